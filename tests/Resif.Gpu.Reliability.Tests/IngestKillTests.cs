using System.Diagnostics;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>
/// The CLI's ingest, run as a child process and killed with SIGKILL at random points: afterwards the store lists only
/// what it listed before, plus the new array if and only if it is complete; nothing half-written is ever visible.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class IngestKillTests(ITestOutputHelper output) : IDisposable
{
    private const long Channels = 64, Samples = 300_000;
    private readonly DiskStore _disk = new();

    public void Dispose() => _disk.Dispose();

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "resif-gpu.dll");

    private Process StartIngest(string npy, string name)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])[Cli, "ingest", npy, "--store", _disk.Root, "--name", name, "--dt", "0.002"]) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    [Fact]
    public async Task AKilledIngestLeavesTheOldContentOrTheWholeNewArray()
    {
        var old = _disk.Add("old", 8, 5000);
        var values = DiskStore.Values(Channels, Samples, seed: 7);
        string npy = Path.Combine(_disk.Root, "input.npy");
        NpyFile.Write(npy, [Channels, Samples], values);

        // One uninterrupted run gives the time span the kills are drawn from.
        var clock = Stopwatch.StartNew();
        using (var full = StartIngest(npy, "complete"))
        {
            await full.WaitForExitAsync().WaitAsync(Suite.HangLimit);
            Assert.True(full.ExitCode == 0, await full.StandardError.ReadToEndAsync());
        }
        var fullRun = clock.Elapsed;
        AssertContent("complete", values, Channels, Samples);

        var random = new Random(Suite.Seed);
        int kills = Suite.Times(5), finishedBeforeKill = 0, sawNew = 0;
        for (int i = 0; i < kills; i++)
        {
            var before = _disk.Store.List().ToHashSet();
            string name = $"killed-{i}";
            using var child = StartIngest(npy, name);
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * fullRun.TotalMilliseconds);
            var exited = await Task.WhenAny(child.WaitForExitAsync(), Task.Delay(delay));
            if (!child.HasExited) child.Kill(); // SIGKILL on Unix: no handler, no cleanup runs.
            else finishedBeforeKill++;
            await child.WaitForExitAsync().WaitAsync(Suite.HangLimit);

            var after = _disk.Store.List().ToHashSet();
            var appeared = after.Except(before).ToArray();
            Assert.True(appeared.Length == 0 || appeared.SequenceEqual([name]), $"kill {i} after {delay.TotalMilliseconds:F0} ms left visible: {string.Join(", ", appeared)}");
            Assert.Empty(before.Except(after));
            if (appeared.Length == 1)
            {
                sawNew++;
                AssertContent(name, values, Channels, Samples);
            }
            AssertContent("old", old, 8, 5000);
        }
        Suite.Report(output, "ingest kills survived", kills);
        Suite.Report(output, "ingests that finished before their kill / left the new array", $"{finishedBeforeKill} / {sawNew}");
    }

    private void AssertContent(string name, float[] expected, long channels, long samples)
    {
        using var source = _disk.Store.Open(name);
        Assert.Equal([channels, samples], source.Info.Layout.Shape);
        var read = new float[channels * samples];
        source.Read(0, channels, 1, 0, samples, read);
        Assert.Equal(expected, read);
    }
}
