using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Kernels;

namespace Resif.Gpu.Bench;

/// <summary>
/// `device [--device cuda|ilgpu-cpu|opencl|ID] [--channels N] [--samples M] [--blocks K] [--repeats R]`: issue 6's GPU
/// figures in one run, on random float32 [N, M] at 1 kHz through a 4-section zero-phase Butterworth bandpass (SciPy
/// sosfiltfilt: odd padding). Rows: the host-to-device copy alone (page-locked, copy stream), the chain on data already
/// on the device, end to end (host → device → host, the block streamed as K channel blocks so copies overlap the
/// chain), and the CPU backend on the same K blocks (wall and process CPU time, all threads). The least of R repeats
/// each (the CPU backend at least 2, its first call shown apart). The last line compares the end-to-end output with
/// the CPU backend's.
/// </summary>
internal static class DeviceBench
{
    public const string Usage = "[--device cuda|ilgpu-cpu|opencl|ID] [--channels N] [--samples M] [--blocks K] [--repeats R]";

    private const string Bandpass = "bandpass:freqmin=1,freqmax=100,corners=4,zerophase=true,pad=odd";
    private const double SamplingSeconds = 0.001;

    public static int Run(string[] args)
    {
        string device = Option(args, "--device") ?? "cuda";
        int channels = IntOption(args, "--channels", 2000), samples = IntOption(args, "--samples", 60000);
        int blocks = Math.Clamp(IntOption(args, "--blocks", 8), 1, channels), repeats = IntOption(args, "--repeats", 3);

        var layout = new TensorLayout(["channel", "time"], [channels, samples],
            [new Coordinate("channel", "m", channels, 0, 1), new Coordinate("time", "s", samples, 0, SamplingSeconds)], "strain_rate");
        IOperation[] operations = [OperationRegistry.Default.Create(OperationRequest.Parse(Bandpass, 0), 0)];
        var input = new Block(layout, Random(channels * samples));
        double megabytes = layout.ByteCount / 1e6;

        var provider = new IlgpuBackendProvider(Console.Error.WriteLine);
        using var backend = (IlgpuBackend)provider.Create(device);
        Console.WriteLine($"device: {backend.Device}; input {channels} x {samples} float32 ({megabytes:F0} MB), {Bandpass}, {blocks} blocks end to end");

        TimeSpan copy = backend.MeasureHostToDevice(input.Values, repeats);
        (TimeSpan stageIn, TimeSpan stageOut) = backend.MeasureStagingCopies(input.Data, repeats);
        TimeSpan chain = backend.MeasureResidentChain(operations, input, repeats);
        Block[] pieces = Split(input, blocks);
        ResidentResult[] streamed = [];
        TimeSpan endToEnd = IlgpuBackend.Least(repeats, () => streamed = backend.RunResident(operations, pieces, CancellationToken.None).ToArray());

        // The CPU backend runs the same channel blocks as the device's end to end (as the executor hands them over;
        // one whole-array block would time its page faults and serial copies, not its kernels), least of R on copies
        // made before the clock starts. Its first call (code the JIT has not optimised yet) is shown apart.
        using var cpu = new CpuBackend();
        Block[] cpuOutputs = [];
        TimeSpan cpuWall = TimeSpan.MaxValue, cpuTime = TimeSpan.Zero, cpuFirst = TimeSpan.Zero;
        for (int repeat = 0; repeat < Math.Max(repeats, 2); repeat++)
        {
            Block[] copies = pieces.Select(piece => new Block(piece.Layout, piece.Values.ToArray())).ToArray();
            TimeSpan processBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            cpuOutputs = copies.Select(piece => operations[0].Run(piece, cpu)).ToArray();
            TimeSpan wall = Stopwatch.GetElapsedTime(start);
            if (repeat == 0) cpuFirst = wall;
            if (wall < cpuWall) (cpuWall, cpuTime) = (wall, Process.GetCurrentProcess().TotalProcessorTime - processBefore);
        }
        float[] reference = cpuOutputs.SelectMany(output => output.Values.ToArray()).ToArray();

        Console.WriteLine("| measurement | ms | note |");
        Console.WriteLine("|---|---|---|");
        Row("host→device copy (page-locked)", copy, $"{megabytes / copy.TotalSeconds / 1e3:F2} GB/s");
        Row("host staging in (block → page-locked, all cores)", stageIn, $"{megabytes / stageIn.TotalSeconds / 1e3:F2} GB/s");
        Row("host staging out (page-locked → new array, all cores)", stageOut, $"{megabytes / stageOut.TotalSeconds / 1e3:F2} GB/s");
        Row("resident chain (data on device)", chain, $"{cpuWall / chain:G3}x faster than the CPU backend (below 1: slower)");
        Row($"end to end host→device→host ({blocks} blocks)", endToEnd, $"{endToEnd / copy:G3}x the copy time");
        Row("CPU backend", cpuWall, string.Create(CultureInfo.InvariantCulture,
            $"{cpuTime.TotalMilliseconds:F0} ms process CPU, {Environment.ProcessorCount} cores; first call {cpuFirst.TotalMilliseconds:F0} ms"));
        Console.WriteLine($"end to end vs CPU backend: max |difference| {MaxDifference(reference, Assemble(streamed)):G3} of peak {reference.Max(Math.Abs):G3}");
        return 0;
    }

    private static void Row(string what, TimeSpan time, string note) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {time.TotalMilliseconds:F2} | {note} |"));

    private static float[] Random(int count)
    {
        var random = new Random(0);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>The input as <paramref name="blocks"/> consecutive channel blocks, as the executor hands them over.</summary>
    private static Block[] Split(Block input, int blocks)
    {
        int rows = input.Rows, columns = input.Columns, perBlock = (rows + blocks - 1) / blocks;
        var result = new List<Block>();
        for (int first = 0; first < rows; first += perBlock)
        {
            int count = Math.Min(perBlock, rows - first);
            TensorLayout layout = input.Layout with { Shape = [count, columns], Coords = [input.Layout.Coords[0].Slice(first, count), input.Layout.Coords[1]] };
            result.Add(new Block(layout, input.Values.Slice(first * columns, count * columns).ToArray()));
        }
        return result.ToArray();
    }

    private static float[] Assemble(ResidentResult[] results)
    {
        var values = new List<float>();
        foreach (ResidentResult result in results)
            values.AddRange((result.Output ?? throw new InvalidOperationException("the device declined a block (see the log)")).Values.ToArray());
        return values.ToArray();
    }

    private static double MaxDifference(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return double.NaN;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        return worst;
    }

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static int IntOption(string[] args, string name, int fallback) =>
        Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
