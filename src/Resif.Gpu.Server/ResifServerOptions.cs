using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Server.Limits;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Server.Telemetry;

namespace Resif.Gpu.Server;

/// <summary>How to build a <see cref="ResifServer"/>: where the arrays are, what computes, where to listen.</summary>
public sealed record ResifServerOptions
{
    /// <summary>An embedded store folder (STORE/arrays/NAME); ignored when <see cref="Store"/> is given.</summary>
    public string? StorePath { get; init; }

    /// <summary>
    /// Read <see cref="StorePath"/>'s arrays without checking each chunk's SHA-256 or MD5 filter (TileDB's <c>sm.skip_checksum_validation</c>):
    /// only where the file system checksums every block itself (ZFS, Ceph); zstd frames' own checksums stay checked. Default false: check.
    /// </summary>
    public bool SkipChecksumValidation { get; init; }

    /// <summary>An already opened store (tests, demo); takes precedence over <see cref="StorePath"/>.</summary>
    public IArrayStore? Store { get; init; }

    public IBackendProvider? BackendProvider { get; init; }

    /// <summary>Device id or kind passed to the provider: "auto", "cpu", "cuda", "cuda:0", ...</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Share of a GPU's memory one request's resident pipeline may use (0 &lt; f ≤ 1); blocks whose chain needs more are
    /// cut into channel pieces. Null = the backend's default (IlgpuBackend.DefaultMemoryFraction); ignored on the CPU.
    /// </summary>
    public double? DeviceMemoryFraction { get; init; }

    public OperationRegistry Operations { get; init; } = OperationRegistry.Default;

    /// <summary>TCP port; 0 picks a free one (read <see cref="ResifServer.Url"/> after start).</summary>
    public int Port { get; init; }

    /// <summary>Loopback by default: exposing the server is a deliberate choice.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>Results larger than this are refused before work starts, unless a request asks for less.</summary>
    public long MaxOutputBytes { get; init; } = 4L << 30;

    /// <summary>Requests are small; this bounds what a client may send.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 4 << 20;

    /// <summary>Data chunks are ~1 MB; leave room for the header's explicit coordinates.</summary>
    public int MaxSendMessageBytes { get; init; } = 64 << 20;

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Bearer tokens and rights (<see cref="AccessPolicy.Load"/>); null = every caller may do everything, which
    /// is only accepted on loopback unless <see cref="AllowAnonymous"/> says otherwise.</summary>
    public AccessPolicy? Access { get; init; }

    /// <summary>Deliberately serve without tokens on a non-loopback address (e.g. behind an authenticating proxy).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Serve TLS (HTTPS/2) with this certificate, which must hold its private key; null = cleartext HTTP/2.</summary>
    public X509Certificate2? Certificate { get; init; }

    public ServerLimits Limits { get; init; } = ServerLimits.Default;

    /// <summary>
    /// TCP port of the browser viewer (HTTP/1.1, same bind address); null = no viewer, 0 = a free port
    /// (read <see cref="ResifServer.WebUrl"/> after start). The gRPC port is HTTP/2-only, which browsers cannot use.
    /// </summary>
    public int? WebPort { get; init; }

    /// <summary>OpenTelemetry export of metrics and traces; off by default.</summary>
    public TelemetryOptions Telemetry { get; init; } = new();
}
