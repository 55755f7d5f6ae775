using System.Runtime.InteropServices;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// <c>filter-survey [--repeats N] [--filters P1,P2,...] FILE.npy...</c>: for each [channel, time] float32 .npy (e.g. the
/// vendor files converted by bench/das_samples.py, or a side_by_side.py block) and each attribute filter pipeline (the
/// names of <see cref="StorageThroughput"/>), writes the array with the store's schema, then reports the compression
/// ratio (the attribute's data file against the raw float32 bytes) and write/read throughput, best wall and best process
/// CPU time of the repeats. The time tile extent is cut to the file's length so that short excerpts are not padded with
/// fill values, which would compress to nothing and flatter every codec.
/// </summary>
internal static class FilterSurvey
{
    public const string Usage = "filter-survey [--repeats N] [--filters zstd+sha256,lz4+sha256,...] FILE.npy...";

    private const string DefaultPipelines = "shuffle+zstd,shuffle+zstd:1,zstd,zstd+sha256,sha256,none,lz4+sha256,shuffle+lz4";

    public static int Run(string[] args)
    {
        int repeats = 3;
        string pipelines = DefaultPipelines;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeats") repeats = int.Parse(args[++i]);
            else if (args[i] == "--filters") pipelines = args[++i];
            else files.Add(args[i]);
        }
        if (files.Count == 0) { Console.Error.WriteLine(Usage); return 2; }

        Console.WriteLine("| file | channels x samples | filters | ratio | write MB/s per CPU-s | read MB/s wall | read MB/s per CPU-s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        string root = Path.Combine(Path.GetTempPath(), $"resif-filter-survey-{Guid.NewGuid():N}");
        try
        {
            foreach (string file in files)
            {
                var (shape, _, values) = NpyFile.Read(file);
                if (shape.Length != 2) throw new ArgumentException($"{file}: expected a 2-D [channel, time] array, got {shape.Length}-D");
                foreach (string name in pipelines.Split(','))
                    Console.WriteLine(Measure(Path.Combine(root, Guid.NewGuid().ToString("N")), file, shape[0], shape[1], values, name, repeats));
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        return 0;
    }

    private static string Measure(string folder, string file, long channels, long samples, float[] values, string filterName, int repeats)
    {
        var filters = ArrayStore.ParseDataFilters(filterName);
        var schema = ArrayStore.DasSchema(channels, filters);
        var time = schema.Dimensions[1] with { TileExtent = Math.Min(ArrayStore.TimeTileExtent, samples) };
        schema = schema with { Dimensions = [schema.Dimensions[0], time] };
        var ranges = new[] { new DimensionRange(0, channels), new DimensionRange(0, samples) };
        int run = 0;
        string last = "";
        var (_, writeCpu) = StorageThroughput.BestOf(repeats, () =>
        {
            last = Path.Combine(folder, $"w{run++}");
            TileDbWriter.Create(last, schema);
            TileDbWriter.WriteDense(last, ranges, ArrayStore.AttributeName, values.AsSpan());
        });
        long stored = Directory.EnumerateFiles(Path.Combine(last, "__fragments"), "a0.tdb", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var readBack = new float[values.LongLength];
        var (readWall, readCpu) = StorageThroughput.BestOf(repeats, () =>
            TileDbArray.Open(last).ReadDense(ArrayStore.AttributeName, ranges, MemoryMarshal.AsBytes(readBack.AsSpan())));
        if (!readBack.AsSpan().SequenceEqual(values)) throw new InvalidOperationException($"{file} with {filterName}: read back differs from what was written");
        double megabytes = values.LongLength * 4.0 / 1e6;
        return $"| {Path.GetFileNameWithoutExtension(file)} | {channels} x {samples} | {filterName} | {values.LongLength * 4.0 / stored:F2} | " +
            $"{megabytes / writeCpu:F0} | {megabytes / readWall:F0} | {megabytes / readCpu:F0} |";
    }
}
