using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Core.Synthetic;

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

    /// <summary>
    /// Writes <paramref name="scene"/> as <c>in.npy</c> in <paramref name="folder"/> and ingests it with the CLI into
    /// <paramref name="store"/> as <paramref name="name"/>; <paramref name="options"/> follow (--dt, --dx, --t0, ...).
    /// </summary>
    public static async Task IngestSceneAsync(SyntheticScene scene, string folder, string store, string name, params string[] options)
    {
        string input = Path.Combine(folder, "in.npy");
        NpyFile.Write(input, [scene.Channels, scene.Samples], scene.Generate());
        var ingest = await RunAsync(["ingest", input, "--store", store, "--name", name, .. options]);
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
    }
}
