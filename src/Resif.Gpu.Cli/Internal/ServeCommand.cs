using Resif.Gpu.Server;
using Resif.Gpu.Server.Security;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ServeCommand : Command
{
    public override CommandSpec Spec { get; } = new("serve",
        "Serve a store over gRPC (HTTP/2 cleartext) until Ctrl-C. Port 0 picks a free port; the URL is printed.\n" +
        "--web-port N also serves the browser viewer (HTTP/1.1) on that port and prints its URL.\n" +
        "--tokens FILE requires bearer tokens with per-array rights (gRPC and viewer); required on a non-loopback --bind unless\n" +
        "--allow-anonymous. --tls-cert FILE (.pfx/.p12, or PEM with --tls-key) serves TLS; --tls-password unlocks it.",
        "serve --store DIR [--port N] [--bind ADDRESS] [--device auto|cpu|...] [--web-port N] [--tokens FILE] [--allow-anonymous] " +
        "[--tls-cert FILE [--tls-key FILE] [--tls-password P]]", [],
        ["--store", "--port", "--bind", "--device", "--web-port", "--tokens", "--tls-cert", "--tls-key", "--tls-password"], ["--allow-anonymous"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        var options = new ResifServerOptions
        {
            StorePath = args.Required("--store"),
            Port = args.Int("--port") ?? 50051,
            BindAddress = args.Value("--bind") ?? "127.0.0.1",
            Device = args.Value("--device") ?? "auto",
            WebPort = args.Int("--web-port"),
            Access = args.Value("--tokens") is { } tokens ? AccessPolicy.Load(tokens) : null,
            AllowAnonymous = args.Flag("--allow-anonymous"),
            Certificate = args.Value("--tls-cert") is { } certificate
                ? TlsCertificate.Load(certificate, args.Value("--tls-key"), args.Value("--tls-password"))
                : null,
        };
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
}
