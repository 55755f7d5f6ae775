using Resif.Gpu.Server;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ServeCommand : Command
{
    public override CommandSpec Spec { get; } = new("serve",
        "Serve a store over gRPC (HTTP/2 cleartext) until Ctrl-C. Port 0 picks a free port; the URL is printed.\n" +
        "--web-port N also serves the browser viewer (HTTP/1.1) on that port and prints its URL.",
        "serve --store DIR [--port N] [--bind ADDRESS] [--device auto|cpu|...] [--web-port N]", [], ["--store", "--port", "--bind", "--device", "--web-port"], []);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        var options = new ResifServerOptions
        {
            StorePath = args.Required("--store"),
            Port = args.Int("--port") ?? 50051,
            BindAddress = args.Value("--bind") ?? "127.0.0.1",
            Device = args.Value("--device") ?? "auto",
            WebPort = args.Int("--web-port"),
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
