using System.Diagnostics;
using System.Runtime.InteropServices;
using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Ingest;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// `ingest [files] [template] [zstd level]`: many small vendor files into a fresh store with `resif-gpu ingest DIR` (in process).
/// The files are copies of a real PRODML 2.0 file (Silixa iDAS, int16 [time, locus], default the conformance
/// `prodml_2.0.h5`: 2500 samples x 512 loci, 3.2 MB) whose `RawDataTime` is rewritten so that they follow each other
/// without gaps. Reports MB/s of input files and of float32 samples stored, per wall second and per CPU second (process
/// CPU time, all threads), and the compression ratio (float32 bytes over the data files' bytes). The files were just
/// written, so they are read from the page cache.
/// </summary>
internal static class IngestBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 200;
        string template = args.Length > 1 && args[1] != "-" ? args[1] : Path.Combine(RepoRoot(), "..", "shared", "conformance", "das-formats", "prodml_2.0.h5");
        int level = args.Length > 2 ? int.Parse(args[2]) : IngestCommand.DefaultZstdLevel;
        string root = Path.Combine(Path.GetTempPath(), $"resif-ingest-bench-{Guid.NewGuid():N}");
        try
        {
            string folder = Path.Combine(root, "files"), storeFolder = Path.Combine(root, "store");
            var info = DasFormats.Detect(template).Scan(template);
            long inputBytes = WriteConsecutiveCopies(template, info, folder, count);
            var output = new StringWriter();
            var error = new StringWriter();

            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            int status = await CliApp.RunAsync(["ingest", folder, "--store", storeFolder, "--name", "bench", "--zstd-level", level.ToString()], output, error);
            double seconds = wall.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            if (status != 0) throw new InvalidOperationException($"ingest failed ({status}): {error}");

            var stored = new ArrayStore(storeFolder).Describe("bench");
            long samples = count * info.Samples;
            if (stored.Layout.Shape[0] != info.Channels || stored.Layout.Shape[1] != samples || stored.Metadata["ingest_gaps"] != "[]")
                throw new InvalidOperationException($"stored [{string.Join(", ", stored.Layout.Shape)}], gaps {stored.Metadata["ingest_gaps"]}: the copies did not join");
            double floatBytes = (double)info.Channels * samples * sizeof(float);
            long storedBytes = Directory.EnumerateFiles(Path.Combine(storeFolder, "arrays", "bench", "__fragments"), "a*.tdb", SearchOption.AllDirectories)
                .Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"ingest {count} x {info.Format} {Path.GetFileName(template)} ({inputBytes / 1e6:F0} MB of files, {info.RawDtype}; " +
                $"{floatBytes / 1e6:F0} MB float32 [{info.Channels} x {samples}]) on {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg")[..14]}:");
            Console.WriteLine($"  wall {seconds:F2} s: {inputBytes / 1e6 / seconds:F0} MB/s of files, {floatBytes / 1e6 / seconds:F0} MB/s float32, {count / seconds:F1} files/s");
            Console.WriteLine($"  CPU  {cpu:F2} s: {inputBytes / 1e6 / cpu:F0} MB of files per CPU-s, {floatBytes / 1e6 / cpu:F0} MB float32 per CPU-s");
            Console.WriteLine($"  {string.Join(" + ", ArrayStore.DataFilters(level).Filters.Select(f => f.Type == TileDbFilterType.Zstd ? $"zstd {f.Level}" : f.Type.ToString()))}: {storedBytes / 1e6:F0} MB stored, float32 / stored = {floatBytes / storedBytes:F2}, files / stored = {(double)inputBytes / storedBytes:F2}");
            Console.Write(output);
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Copies of the template whose µs time array (found by its first values) is shifted so copy i starts where copy
    /// i - 1 ends. Returns the bytes written.
    /// </summary>
    private static long WriteConsecutiveCopies(string template, DasFileInfo info, string folder, int count)
    {
        byte[] bytes = File.ReadAllBytes(template);
        long first = (info.TimeOrigin - DateTimeOffset.UnixEpoch).Ticks / 10, step = (long)Math.Round(info.TimeStep * 1e6);
        long[] times = new long[info.Samples];
        for (int k = 0; k < times.Length; k++) times[k] = first + k * step;
        int at = bytes.AsSpan().IndexOf(MemoryMarshal.AsBytes(times.AsSpan()));
        if (at < 0) throw new InvalidOperationException($"{template}: no regular µs time array from {first} step {step}: not a PRODML file this bench can shift");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < times.Length; k++) times[k] = first + (i * (long)times.Length + k) * step;
            MemoryMarshal.AsBytes(times.AsSpan()).CopyTo(bytes.AsSpan(at));
            File.WriteAllBytes(Path.Combine(folder, $"part-{i:D5}.h5"), bytes);
        }
        return (long)bytes.Length * count;
    }

    private static string RepoRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Resif.Gpu.sln"))) return folder.FullName;
        throw new InvalidOperationException("run from inside the repository, or give the template file");
    }
}
