using System.Diagnostics;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// `store-read [channels] [samples] [repeats]`: writes a [channel, time] float32 array with the store's own schema
/// (zstd 3 + SHA-256 per tile) and times whole-array reads, reporting samples per wall second and per CPU second
/// (process CPU time over all threads), best of the repeats.
/// </summary>
internal static class StoreRead
{
    public static int Run(string[] args)
    {
        int channels = args.Length > 0 ? int.Parse(args[0]) : 500;
        int samples = args.Length > 1 ? int.Parse(args[1]) : 60000;
        int repeats = args.Length > 2 ? int.Parse(args[2]) : 5;
        string root = Path.Combine(Path.GetTempPath(), $"resif-store-read-{Guid.NewGuid():N}");
        try
        {
            var store = new ArrayStore(root);
            store.Create("a", channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
            // Noisy sine: compresses about as poorly as real DAS strain-rate data.
            var rng = new Random(1);
            var data = new float[(long)channels * samples];
            for (long i = 0; i < data.LongLength; i++) data[i] = (float)Math.Sin(i * 1e-3) + (float)rng.NextDouble() * 0.1f;
            store.AppendTimeBlock("a", data, channels, samples);
            var destination = new float[data.LongLength];
            double bestWall = double.MaxValue, bestCpu = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                using (var source = store.Open("a")) source.Read(0, channels, 1, 0, samples, destination);
                double w = wall.Elapsed.TotalSeconds, c = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                bestWall = Math.Min(bestWall, w);
                bestCpu = Math.Min(bestCpu, c);
            }
            if (!destination.AsSpan().SequenceEqual(data)) throw new InvalidOperationException("read back differs from what was written");
            double ms = data.LongLength / 1e6;
            Console.WriteLine($"store-read {channels} x {samples} float32 ({data.LongLength * 4 / 1e6:F0} MB), best of {repeats}: " +
                $"wall {bestWall * 1e3:F1} ms = {ms / bestWall:F0} MS/s ({data.LongLength * 4 / bestWall / 1e9:F2} GB/s); " +
                $"CPU {bestCpu * 1e3:F1} ms = {ms / bestCpu:F0} MS/s per CPU-s ({data.LongLength * 4 / bestCpu / 1e9:F2} GB/s)");
            return 0;
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
