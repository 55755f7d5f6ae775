using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// `make-array STORE NAME CHANNELS SAMPLES`: a large synthetic [channel, time] float32 array (seeded noise plus a
/// 5 Hz tone, 1 kHz, 10 m spacing) written with the store's own schema in time blocks of at most ~256 MB, so
/// memory stays bounded whatever the array's size. For bench/rss-10gb.sh.
/// </summary>
internal static class MakeArray
{
    public const string Usage = "STORE NAME CHANNELS SAMPLES";

    private const long BlockBytes = 256L << 20;

    public static int Run(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: make-array " + Usage);
            return 2;
        }
        string root = args[0], name = args[1];
        int channels = int.Parse(args[2], CultureInfo.InvariantCulture);
        long samples = long.Parse(args[3], CultureInfo.InvariantCulture);
        var store = new ArrayStore(root);
        store.Create(name, channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 10));
        int blockSamples = (int)Math.Max(1, Math.Min(samples, BlockBytes / 4 / channels));
        var block = new float[(long)channels * blockSamples];
        var clock = Stopwatch.StartNew();
        for (long start = 0; start < samples; start += blockSamples)
        {
            int count = (int)Math.Min(blockSamples, samples - start);
            Parallel.For(0, channels, c =>
            {
                var rng = new Random(unchecked(c * 7919 + (int)start));
                var row = block.AsSpan(c * count, count);
                for (int n = 0; n < count; n++) row[n] = (float)(rng.NextDouble() - 0.5 + Math.Sin(2 * Math.PI * 5e-3 * (start + n)));
            });
            store.AppendTimeBlock(name, count == blockSamples ? block : block[..(channels * count)], channels, count);
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\rmake-array: {(start + count) * 100.0 / samples:F0}% ({clock.Elapsed.TotalSeconds:F0} s)"));
        }
        Console.Error.WriteLine();
        return 0;
    }
}
