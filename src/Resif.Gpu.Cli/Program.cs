using Resif.Gpu.Cli.Internal;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl-C stops gracefully (serve shuts down, reductions cancel); a second one kills.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
