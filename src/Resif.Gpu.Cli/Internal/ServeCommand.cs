using Resif.Gpu.Server;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ServeCommand : Command
{
    public override CommandSpec Spec { get; } = new("serve",
        "Serve a store over gRPC (HTTP/2 cleartext) until Ctrl-C. Port 0 picks a free port; the URL is printed.",
        "serve --store DIR [--port N] [--bind ADDRESS] [--device auto|cpu|...]", [], ["--store", "--port", "--bind", "--device"], []);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        var options = new ResifServerOptions
        {
            StorePath = args.Required("--store"),
            Port = args.Int("--port") ?? 50051,
            BindAddress = args.Value("--bind") ?? "127.0.0.1",
            Device = args.Value("--device") ?? "auto",
        };
        await using var server = await ResifServer.StartAsync(options, context.CancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"resif-gpu serving {options.StorePath} at {server.Url} on {server.BackendName} ({server.Device}); Ctrl-C to stop");
        await context.Out.FlushAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Out.WriteLine("stopping");
        }
        return CliApp.Success;
    }
}
