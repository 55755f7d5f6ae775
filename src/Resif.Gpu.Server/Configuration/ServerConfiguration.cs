using Microsoft.Extensions.Logging;
using Resif.Gpu.Server.Configuration.Internal;
using Resif.Gpu.Server.Limits;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Server.Telemetry;

namespace Resif.Gpu.Server.Configuration;

/// <summary>A configuration key is unknown or its value is wrong; <see cref="Key"/> is its dotted path (e.g. "limits.maxPipeline").</summary>
public sealed class ServerConfigurationException(string source, string key, string message)
    : Exception($"{source}: {key}: {message}")
{
    public string Key { get; } = key;
}

/// <summary>
/// What `resif-gpu serve` runs with, read from a JSON file (comments and trailing commas allowed; see
/// resif-gpu.example.json): every key is optional and the defaults serve a store on loopback without TLS or tokens.
/// Unknown keys and out-of-range values are refused, naming the key. Relative paths are relative to the file.
/// </summary>
public sealed record ServerConfiguration
{
    /// <summary>Store folder (STORE/arrays/NAME).</summary>
    public string? Store { get; init; }

    public string Bind { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 50051;

    /// <summary>Browser viewer port (HTTP/1.1); null = no viewer.</summary>
    public int? WebPort { get; init; }

    public string Device { get; init; } = "auto";

    /// <summary>Share of a GPU's memory one request's resident pipeline may use (see <see cref="ResifServerOptions.DeviceMemoryFraction"/>).</summary>
    public double? DeviceMemoryFraction { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Read the store without checking chunk checksums (see <see cref="ResifServerOptions.SkipChecksumValidation"/>).</summary>
    public bool SkipChecksumValidation { get; init; }

    /// <summary>Output budget: larger results are refused before work starts.</summary>
    public long MaxOutputBytes { get; init; } = new ResifServerOptions().MaxOutputBytes;

    /// <summary>TLS certificate (.pfx/.p12, or PEM with <see cref="TlsKey"/>); null = cleartext HTTP/2.</summary>
    public string? TlsCertificate { get; init; }

    public string? TlsKey { get; init; }

    public string? TlsPassword { get; init; }

    /// <summary>Bearer tokens and rights (<see cref="AccessPolicy.Load"/>).</summary>
    public string? TokenFile { get; init; }

    public bool AllowAnonymous { get; init; }

    public ServerLimits Limits { get; init; } = ServerLimits.Default;

    public TelemetryOptions Telemetry { get; init; } = new();

    public static ServerConfiguration Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read the configuration file {path}: {e.Message}", e);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Reads configuration JSON; <paramref name="source"/> names it in errors, relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static ServerConfiguration Parse(string json, string source, string baseDirectory) => ConfigurationReader.Read(json, source, baseDirectory);

    /// <summary>Options for <see cref="ResifServer.StartAsync"/>: loads the token file and the certificate now.</summary>
    public ResifServerOptions ToOptions() => new()
    {
        StorePath = Store,
        SkipChecksumValidation = SkipChecksumValidation,
        BindAddress = Bind,
        Port = Port,
        WebPort = WebPort,
        Device = Device,
        DeviceMemoryFraction = DeviceMemoryFraction,
        MinimumLogLevel = LogLevel,
        MaxOutputBytes = MaxOutputBytes,
        Access = TokenFile is null ? null : AccessPolicy.Load(TokenFile),
        AllowAnonymous = AllowAnonymous,
        Certificate = TlsCertificate is null ? null : Security.TlsCertificate.Load(TlsCertificate, TlsKey, TlsPassword),
        Limits = Limits,
        Telemetry = Telemetry,
    };
}
