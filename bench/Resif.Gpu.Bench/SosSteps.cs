using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Backends.Internal;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.IO;

namespace Resif.Gpu.Bench;

/// <summary>
/// `sos-steps [--rows 16] [--columns 60000] [--calls 20] [--wide true|false] [--save DIR]`: single-thread process CPU time per sample of the
/// SOS filters of the end-to-end case (bandpass 1–40 Hz order 4 at 1 kHz, decimation q = 10 iir) through CpuBackend,
/// next to the bare section kernel over an L1 tile, so that the cost outside the kernel shows. --save writes each
/// output as .npy, to compare two builds bit for bit. --wide false runs the Vector256 (AVX2) section-pair kernel.
/// </summary>
internal static unsafe class SosSteps
{
    public const string Usage = "[--rows 16] [--columns 60000] [--calls 20] [--wide true|false] [--save DIR]";

    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
        int rows = int.Parse(options.GetValueOrDefault("rows", "16")), columns = int.Parse(options.GetValueOrDefault("columns", "60000"));
        int calls = int.Parse(options.GetValueOrDefault("calls", "20"));
        string? save = options.GetValueOrDefault("save");
        var random = new Random(7);
        var x = new float[(long)rows * columns];
        for (long i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() - 0.5);
        var bandpass = FilterDesign.Butterworth(4, FilterBand.Bandpass, 1 / 500.0, 40 / 500.0);
        var decimation = FilterDesign.DecimationIir(10);
        bool wide = bool.Parse(options.GetValueOrDefault("wide", SosCascade.WideByDefault.ToString()));
        using var backend = new CpuBackend(1) { WideSos = wide };
        var work = new float[x.Length];
        var kept = new float[(long)rows * ((columns + 9) / 10)];
        double samples = (double)rows * columns;

        Report("kernel (16 section passes)", samples, calls, null, () => Kernel([bandpass, decimation], columns, wide));
        Report("kernel (8 section passes)", samples, calls, null, () => Kernel([bandpass], columns, wide));
        Report("kernel f32 steps (8 passes)", samples, calls, null, () => Kernel([bandpass], columns, wide, float32: true));
        Report("gather+scatter float32", samples, calls, null, () => Transposes(x, rows, columns));
        foreach (var mode in new[] { SosMode.Causal, SosMode.ZeroPhaseOddPad })
        {
            Report($"bandpass {mode}", samples, calls, () => x.CopyTo(work, 0), () => backend.SosFilter(work, rows, columns, bandpass, mode));
            Save(save, $"bandpass_{mode}", work, rows, columns);
        }
        Report("decimate q=10 iir", samples, calls, null, () => backend.SosFilterDecimate(x, rows, columns, decimation, SosMode.ZeroPhaseOddPad, 10, kept));
        Save(save, "decimate", kept, rows, (columns + 9) / 10);
        SosStage[] chain = [new(bandpass, SosMode.ZeroPhaseOddPad, 1), new(decimation, SosMode.ZeroPhaseOddPad, 10)];
        Report("chain bandpass+decimate", samples, calls, null, () => backend.SosChain(x, rows, columns, chain, kept));
        Save(save, "chain", kept, rows, (columns + 9) / 10);

        // The first 16 rows through one SosGroupFilter made once (cache-warm, no per-call buffers): the lead's micro-benchmark.
        double groupSamples = (double)Math.Min(rows, SosCascade.Lanes) * columns;
        var causal = new SosPass(new SosCascade(bandpass, wide), SosMode.Causal, 0, 1);
        var zeroPhase = new SosPass(new SosCascade(bandpass, wide), SosMode.ZeroPhaseOddPad, FilterDesign.OddPadLength(bandpass), 1);
        var decimate = new SosPass(new SosCascade(decimation, wide), SosMode.ZeroPhaseOddPad, FilterDesign.OddPadLength(decimation), 10);
        foreach (var (name, stages) in new[] { ("group causal", new[] { causal }), ("group zero-phase", [zeroPhase]), ("group chain", [zeroPhase, decimate]) })
        {
            var filter = new SosGroupFilter(stages, columns);
            var state = new Vector256<double>[SosGroupFilter.StateLength(stages)];
            int outColumns = stages.Length == 1 ? columns : (columns + 9) / 10;
            Report(name + " (reused)", groupSamples, calls, () => x.AsSpan(0, (int)groupSamples).CopyTo(work), () =>
            {
                fixed (float* input = work)
                fixed (float* output = kept)
                {
                    int count = Math.Min(rows, SosCascade.Lanes);
                    filter.Run(new RowGroup(input, columns, count), new RowGroup(stages.Length == 1 ? input : output, outColumns, count), state);
                }
            });
        }
        return 0;
    }

    // Every section pass of the cascades over one 128-step float64 tile (or float32 steps), as many tiles as the window has.
    private static void Kernel(double[][] cascades, int columns, bool wide, bool float32 = false)
    {
        var tile = new double[SosCascade.TileSteps * SosCascade.Lanes];
        var steps = new float[tile.Length];
        for (int i = 0; i < tile.Length; i++) tile[i] = (i % 7) * 1e-3;
        Span<Vector256<double>> state = stackalloc Vector256<double>[cascades.Max(sos => new SosCascade(sos, false).StateLength)];
        fixed (double* pointer = tile)
        fixed (float* stepsPointer = steps)
        {
            foreach (var sos in cascades)
            {
                var cascade = new SosCascade(sos, wide);
                foreach (bool reverse in new[] { false, true })
                {
                    cascade.Reset(state, null);
                    for (int start = 0; start < columns; start += SosCascade.TileSteps)
                    {
                        int count = Math.Min(SosCascade.TileSteps, columns - start);
                        if (float32) cascade.Run(stepsPointer, stepsPointer, count, reverse, state, pointer);
                        else cascade.Run(pointer, count, reverse, state);
                    }
                }
            }
        }
    }

    // The rows to a float32 time-major tile and back, 16 rows at a time, as the first and last stages move them.
    private static void Transposes(float[] x, int rows, int columns)
    {
        var steps = new float[SosCascade.TileSteps * SosCascade.Lanes];
        fixed (float* pointer = x)
        fixed (float* tile = steps)
        {
            for (int row = 0; row < rows; row += SosCascade.Lanes)
            {
                var group = new RowGroup(pointer + (long)row * columns, columns, Math.Min(SosCascade.Lanes, rows - row));
                for (int start = 0; start < columns; start += SosCascade.TileSteps)
                {
                    int count = Math.Min(SosCascade.TileSteps, columns - start);
                    group.Gather(start, count, tile);
                    group.Scatter(tile, start, count);
                }
            }
        }
    }

    // Best of three rounds of `calls` calls: process CPU nanoseconds per sample, the untimed setup excluded.
    private static void Report(string name, double samples, int calls, Action? setup, Action action)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long spent = 0;
            for (int call = 0; call < calls; call++)
            {
                setup?.Invoke();
                long before = ProcessCpuNanoseconds();
                action();
                spent += ProcessCpuNanoseconds() - before;
            }
            best = Math.Min(best, spent / (double)calls / samples);
        }
        Console.WriteLine($"{name,-28} {best,7:F3} ns/sample (process CPU)");
    }

    private static void Save(string? directory, string name, float[] values, int rows, int columns)
    {
        if (directory is null) return;
        Directory.CreateDirectory(directory);
        NpyFile.Write(Path.Combine(directory, name + ".npy"), [rows, columns], values);
    }

    private static long ProcessCpuNanoseconds()
    {
        const int ProcessCpuTimeClock = 2; // CLOCK_PROCESS_CPUTIME_ID
        if (ClockGetTime(ProcessCpuTimeClock, out var time) != 0) throw new InvalidOperationException("clock_gettime failed");
        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
