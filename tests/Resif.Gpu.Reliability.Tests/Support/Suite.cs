using Xunit.Abstractions;

namespace Resif.Gpu.Reliability.Tests.Support;

/// <summary>
/// How hard the suite pushes. The short form (default, CI) stays within a few minutes on 2 cores; the long form is
/// chosen by <c>RESIF_RELIABILITY_SCALE</c> (tests/reliability-long.sh sets it), which multiplies every count.
/// </summary>
internal static class Suite
{
    public static int Scale { get; } = int.TryParse(Environment.GetEnvironmentVariable("RESIF_RELIABILITY_SCALE"), out int s) && s > 0 ? s : 1;

    public static int Times(int shortForm) => shortForm * Scale;

    /// <summary>Seed of every random choice; printed so a failure can be replayed with RESIF_RELIABILITY_SEED.</summary>
    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("RESIF_RELIABILITY_SEED"), out int s) ? s : Environment.TickCount;

    /// <summary>Ends a failure message, so that a failure seen once (the seed changes every run) can be replayed.</summary>
    public static string Replay => $"(replay with RESIF_RELIABILITY_SEED={Seed})";

    /// <summary>Guards against hangs only (a reliability failure), never a performance threshold.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(2);

    /// <summary>One line per figure, with a fixed prefix so the long-form script can collect them.</summary>
    public static void Report(ITestOutputHelper output, string figure, object value) => output.WriteLine($"FIGURE {figure}: {value}");
}
