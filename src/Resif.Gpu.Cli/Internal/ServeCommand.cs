using System.Globalization;
using Resif.Gpu.Server;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Server.Configuration;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ServeCommand : Command
{
    public override CommandSpec Spec { get; } = new("serve",
        "Serve a store over gRPC (HTTP/2 cleartext) until Ctrl-C. Port 0 picks a free port; the URL is printed.\n" +
        "--config FILE reads the settings from JSON (see src/Resif.Gpu.Server/resif-gpu.example.json: store, bind, port,\n" +
        "webPort, device, logLevel, maxOutputBytes, tls, tokenFile, limits, telemetry); flags given here override the file.\n" +
        "--web-port N also serves the browser viewer (HTTP/1.1) on that port and prints its URL.\n" +
        "--tokens FILE requires bearer tokens with per-array rights (gRPC and viewer); required on a non-loopback --bind unless\n" +
        "--allow-anonymous. --tls-cert FILE (.pfx/.p12, or PEM with --tls-key) serves TLS; --tls-password unlocks it.\n" +
        "--otlp-endpoint URL exports metrics and traces with OpenTelemetry (OTLP over gRPC, e.g. http://localhost:4317).\n" +
        "--device-memory-fraction F (0 < F <= 1, default 0.8) caps the GPU memory one request's pipeline uses; larger blocks are cut by channels.\n" +
        "--skip-checksum-validation reads chunks without checking their SHA-256/MD5 filters (zstd's own frame checksums stay checked): only on file systems that checksum every block (ZFS, Ceph).",
        "serve (--store DIR | --config FILE) [--port N] [--bind ADDRESS] [--device auto|cpu|...] [--web-port N] [--tokens FILE]\n" +
        "      [--allow-anonymous] [--tls-cert FILE [--tls-key FILE] [--tls-password P]] [--otlp-endpoint URL] [--device-memory-fraction F]\n" +
        "      [--log-level trace|debug|information|warning|error] [--skip-checksum-validation]", [],
        ["--config", "--store", "--port", "--bind", "--device", "--web-port", "--tokens", "--tls-cert", "--tls-key", "--tls-password",
            "--otlp-endpoint", "--log-level", "--device-memory-fraction"], ["--allow-anonymous", "--skip-checksum-validation"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        var options = WithFlags(args.Value("--config") is { } file ? ServerConfiguration.Load(file) : new ServerConfiguration(), args).ToOptions();
        await using var server = await ResifServer.StartAsync(options, context.CancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"resif-gpu serving {options.StorePath} at {server.Url} on {server.BackendName} ({server.Device}); Ctrl-C to stop");
        if (server.WebUrl is not null) context.Out.WriteLine($"viewer: {server.WebUrl}/");
        await context.Out.FlushAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            // Ctrl-C cancels the token; SIGTERM (kill, systemd, docker stop) stops the host, which ends this wait too.
            await server.WaitForShutdownAsync(context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Out.WriteLine("stopping");
        }
        return CliApp.Success;
    }

    /// <summary>The file's settings (or the defaults) with each flag given on the command line in place of its key.</summary>
    private static ServerConfiguration WithFlags(ServerConfiguration file, Arguments args)
    {
        var configuration = file with
        {
            Store = args.Value("--store") is { } store ? Path.GetFullPath(store) : file.Store,
            Port = args.Int("--port") ?? file.Port,
            Bind = args.Value("--bind") ?? file.Bind,
            Device = args.Value("--device") ?? file.Device,
            DeviceMemoryFraction = args.Value("--device-memory-fraction") is { } fraction
                ? double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f is > 0 and <= 1 ? f
                    : throw new UsageException($"--device-memory-fraction '{fraction}' is not a number > 0 and <= 1")
                : file.DeviceMemoryFraction,
            WebPort = args.Int("--web-port") ?? file.WebPort,
            TokenFile = args.Value("--tokens") ?? file.TokenFile,
            AllowAnonymous = args.Flag("--allow-anonymous") || file.AllowAnonymous,
            SkipChecksumValidation = args.Flag("--skip-checksum-validation") || file.SkipChecksumValidation,
            LogLevel = args.Value("--log-level") is { } level
                ? Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(level, out _) ? parsed
                    : throw new UsageException($"--log-level '{level}' is not trace, debug, information, warning, error, critical or none")
                : file.LogLevel,
            Telemetry = args.Value("--otlp-endpoint") is { } endpoint
                ? file.Telemetry with
                {
                    OtlpEndpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
                        : throw new UsageException($"--otlp-endpoint '{endpoint}' is not an http(s) URL"),
                }
                : file.Telemetry,
        };
        if (args.Value("--tls-cert") is { } certificate)
            configuration = configuration with { TlsCertificate = certificate, TlsKey = args.Value("--tls-key"), TlsPassword = args.Value("--tls-password") };
        return configuration.Store is null ? throw new UsageException("give --store DIR, or a --config file with \"store\"") : configuration;
    }
}
