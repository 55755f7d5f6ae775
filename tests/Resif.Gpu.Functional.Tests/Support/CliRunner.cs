using Resif.Gpu.Cli.Internal;

namespace Resif.Gpu.Functional.Tests.Support;

/// <summary>Runs the resif-gpu entry point in-process and captures what a user would see.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
    }

    public static async Task<Outcome> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        int code = await CliApp.RunAsync(args, stdout, stderr, timeout.Token);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }
}
