using System.Diagnostics;
using System.Runtime.InteropServices;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// Whole-array TileDB-engine throughput on the store's [channel, time] float32 schema (32 x 8192 tiles), with a chosen
/// attribute filter pipeline. Both modes report the best of the repeats in wall time and in process CPU time (all
/// threads): the machine is shared, and CPU time is the figure that other processes' load disturbs less.
/// <list type="bullet">
/// <item><c>store-read [channels] [samples] [repeats] [filters] [skip-checksums]</c>: open + read everything, compared with
/// what was written (<c>skip-checksums</c>: without checking checksum filters, as <see cref="ArrayStore.SkipChecksumValidation"/>).</item>
/// <item><c>store-write [channels] [samples] [blocks] [repeats] [filters]</c>: create + append <c>blocks</c> time blocks
/// as fragments (each fsynced and committed), then read back once and compared.</item>
/// </list>
/// filters: <c>none</c>, or filters joined by '+' (<c>shuffle</c>, <c>zstd</c> = level 3, <c>zstd:LEVEL</c>, <c>lz4</c>,
/// <c>sha256</c>, <c>md5</c>); <c>shuffle+zstd</c> (one chunk per tile, frames with their content checksum) is the store's default.
/// </summary>
internal static class StorageThroughput
{
    public const string Usage = "store-read [channels] [samples] [repeats] [filters] [skip-checksums] | store-write [channels] [samples] [blocks] [repeats] [filters]" +
        " (filters: none, or shuffle | zstd[:LEVEL] | lz4 | sha256 | md5 joined by '+', e.g. zstd+sha256; default shuffle+zstd)";

    public static int Read(string[] args)
    {
        int channels = IntArg(args, 0, 500), samples = IntArg(args, 1, 60000), repeats = IntArg(args, 2, 5);
        string filterName = args.Length > 3 ? args[3] : "shuffle+zstd";
        var filters = ArrayStore.ParseDataFilters(filterName);
        bool skipChecksums = args.Length > 4 && args[4] == "skip-checksums";
        using var scratch = new ScratchFolder();
        var data = NoisySine(channels, samples);
        string path = scratch.ArrayPath(0);
        WriteArray(path, channels, [data], filters);
        var destination = new float[data.LongLength];
        var (wall, cpu) = BestOf(repeats, () => TileDbArray.Open(path, skipChecksums).ReadDense(ArrayStore.AttributeName,
            [new DimensionRange(0, channels), new DimensionRange(0, samples)], MemoryMarshal.AsBytes(destination.AsSpan())));
        if (!destination.AsSpan().SequenceEqual(data)) throw new InvalidOperationException("read back differs from what was written");
        Report("store-read", $"{channels} x {samples}", $"{filterName}{(skipChecksums ? " (checksums skipped)" : "")}, zstd: {TileDbArray.ZstdImplementation}",
            data.LongLength, repeats, wall, cpu);
        return 0;
    }

    public static int Write(string[] args)
    {
        int channels = IntArg(args, 0, 500), samples = IntArg(args, 1, 60000), blocks = IntArg(args, 2, 4), repeats = IntArg(args, 3, 5);
        string filterName = args.Length > 4 ? args[4] : "shuffle+zstd";
        var filters = ArrayStore.ParseDataFilters(filterName);
        using var scratch = new ScratchFolder();
        var data = NoisySine(channels, samples);
        var timeBlocks = SplitAlongTime(data, channels, samples, blocks);
        int run = 0;
        string last = "";
        var (wall, cpu) = BestOf(repeats, () => WriteArray(last = scratch.ArrayPath(run++), channels, timeBlocks, filters));
        var readBack = new float[data.LongLength];
        TileDbArray.Open(last).ReadDense(ArrayStore.AttributeName, [new DimensionRange(0, channels), new DimensionRange(0, samples)],
            MemoryMarshal.AsBytes(readBack.AsSpan()));
        if (!readBack.AsSpan().SequenceEqual(data)) throw new InvalidOperationException("read back differs from what was written");
        Report("store-write", $"{channels} x {samples} in {blocks} fragments", filterName, data.LongLength, repeats, wall, cpu);
        return 0;
    }

    /// <summary>Creates the array and appends the C-order [channel, time] blocks one after the other along time.</summary>
    private static void WriteArray(string path, int channels, IReadOnlyList<float[]> blocks, TileDbFilterPipeline filters)
    {
        TileDbWriter.Create(path, ArrayStore.DasSchema(channels, filters));
        long start = 0;
        foreach (var block in blocks)
        {
            long samples = block.LongLength / channels;
            TileDbWriter.WriteDense(path, [new DimensionRange(0, channels), new DimensionRange(start, samples)], ArrayStore.AttributeName, block.AsSpan());
            start += samples;
        }
    }

    /// <summary>Cuts C-order [channel, time] data into equal consecutive time blocks (outside the timed region).</summary>
    private static List<float[]> SplitAlongTime(float[] data, int channels, int samples, int blocks)
    {
        if (samples % blocks != 0) throw new ArgumentException("samples must be a multiple of blocks");
        int blockSamples = samples / blocks;
        var result = new List<float[]>();
        for (int b = 0; b < blocks; b++)
        {
            var block = new float[(long)channels * blockSamples];
            for (int c = 0; c < channels; c++) data.AsSpan(c * samples + b * blockSamples, blockSamples).CopyTo(block.AsSpan(c * blockSamples));
            result.Add(block);
        }
        return result;
    }

    private static int IntArg(string[] args, int index, int fallback) => args.Length > index ? int.Parse(args[index]) : fallback;

    /// <summary>Noisy sine: compresses about as poorly as real DAS strain-rate data (x1.1 with zstd 3).</summary>
    private static float[] NoisySine(int channels, int samples)
    {
        var rng = new Random(1);
        var data = new float[(long)channels * samples];
        for (long i = 0; i < data.LongLength; i++) data[i] = (float)Math.Sin(i * 1e-3) + (float)rng.NextDouble() * 0.1f;
        return data;
    }

    /// <summary>Best wall and best CPU seconds over the repeats, after one warm-up run (JIT tiering, page cache).</summary>
    internal static (double Wall, double Cpu) BestOf(int repeats, Action body)
    {
        body();
        double bestWall = double.MaxValue, bestCpu = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            body();
            bestWall = Math.Min(bestWall, wall.Elapsed.TotalSeconds);
            bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        }
        return (bestWall, bestCpu);
    }

    private static void Report(string mode, string shape, string filters, long values, int repeats, double wall, double cpu)
    {
        double bytes = values * 4.0;
        Console.WriteLine($"{mode} {shape} float32 ({bytes / 1e6:F0} MB), filters {filters}, best of {repeats}: " +
            $"wall {wall * 1e3:F1} ms = {bytes / wall / 1e9:F2} GB/s; CPU {cpu * 1e3:F1} ms = {bytes / cpu / 1e9:F2} GB/s per CPU-s");
    }

    /// <summary>A temporary folder for the arrays of one run, removed afterwards.</summary>
    private sealed class ScratchFolder : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), $"resif-store-bench-{Guid.NewGuid():N}");

        public string ArrayPath(int index) => Path.Combine(_root, $"a{index}");

        public void Dispose()
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        }
    }
}
