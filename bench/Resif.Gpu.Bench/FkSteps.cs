using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.IO;

namespace Resif.Gpu.Bench;

/// <summary>
/// `fk-steps BLOCK.npy [threads] [name]`: process CPU seconds (best of 3) of each internal step of CpuBackend.Fk
/// and FkMask on one block, to see where the FK time goes; with a name, only the steps whose names start with it
/// (and the steps before them that they need: each step's input is the previous one's output).
/// </summary>
internal static class FkSteps
{
    public static int Run(string[] args)
    {
        var (shape, _, x) = NpyFile.Read(args[0]);
        int rows = (int)shape[0], n = (int)shape[1];
        var options = new ParallelOptions { MaxDegreeOfParallelism = args.Length > 1 ? int.Parse(args[1]) : 1 };
        var output = new float[2L * rows * n];
        var work = new float[x.Length];
        var mask = new float[x.Length];
        Array.Fill(mask, 0.5f);
        long rowStride = 2L * n;
        string only = args.Length > 2 ? args[2] : "";
        void Step(string name, Action action)
        {
            if (name.StartsWith(only, StringComparison.Ordinal)) Measure(name, action);
            else action();
        }
        Step("fk rows r2c", () => FftTransforms.ForwardRealRows(x, rows, n, 1f, output, rowStride, n / 2, options));
        Step("fk rows r2c, 16-row batches", () => Batched(() => FftTransforms.ForwardRealRows(x, rows, n, 1f, output, rowStride, n / 2, options)));
        Step("fk columns", () => FftTransforms.Columns(output, rowStride, rows, n / 2, n - n / 2, 1f, rows / 2, null, options));
        Step("fk fill", () => FftTransforms.FillNegativeFrequencies(output, rows, n, options));
        var filter = FftTransforms.SymmetricMask(mask, rows, n, 1f / rows / n);
        Step("mask rows r2c packed", () => { x.CopyTo(work, 0); FftTransforms.ForwardRealRowsPacked(work, rows, n, options); });
        Step("mask rows r2c, 16-row batches", () => { x.CopyTo(work, 0); Batched(() => FftTransforms.ForwardRealRowsPacked(work, rows, n, options)); });
        Step("mask columns+mask+inverse", () => FftTransforms.Columns(work, n, rows, 1, FftTransforms.PackedComplexBins(n), 1f, 0, filter, options,
            FftTransforms.PackedBinOffset(n) - 2));
        Step("mask rows c2r packed", () => FftTransforms.InverseRealRowsPacked(work, rows, n, 1f, options));
        Step("mask rows c2r, 16-row batches", () => Batched(() => FftTransforms.InverseRealRowsPacked(work, rows, n, 1f, options)));
        var plan = FftBatchPlan.Get(n);
        var re = new float[plan.BatchFloats];
        var im = new float[plan.BatchFloats];
        var scratch = new float[plan.ScratchFloats];
        Step($"plan {n} x {(rows + 15) / 16}", () => { for (int b = 0; b < (rows + 15) / 16; b++) plan.Forward(re, im, scratch); });
        var columnPlan = FftBatchPlan.Get(rows);
        Step($"plan {rows} x {n / 2 / 8}", () => { for (int b = 0; b < n / 2 / 8; b++) columnPlan.Forward(re, im, scratch); });
        if (FftRealRowPlan.Supports(n))
        {
            var lanePlan = FftBatchPlan.Get(n / 16);
            Step($"plan {n / 16} x {rows} (row lanes)", () =>
            {
                for (int b = 0; b < rows; b++) lanePlan.Forward(re.AsSpan(0, lanePlan.BatchFloats), im.AsSpan(0, lanePlan.BatchFloats), scratch);
            });
        }
        Step("copy (for reference)", () => x.CopyTo(work, 0));
        return 0;
    }

    /// <summary>The real-row steps on the 16-row batched path, for rows the single-row plan would take.</summary>
    private static void Batched(Action action)
    {
        FftRealRowPlan.Enabled = false;
        try
        {
            action();
        }
        finally
        {
            FftRealRowPlan.Enabled = true;
        }
    }

    /// <summary>
    /// Best of 3 process CPU seconds of one step with the 256-bit FFT passes and, where AVX-512 is present, with the
    /// 512-bit ones, alternated run by run so that load from other processes hits both alike.
    /// </summary>
    private static void Measure(string name, Action action)
    {
        bool wide = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
        var process = Process.GetCurrentProcess();
        double best256 = double.MaxValue, best512 = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            best256 = Math.Min(best256, CpuSeconds(process, action, wide512: false));
            if (wide) best512 = Math.Min(best512, CpuSeconds(process, action, wide512: true));
        }
        FftBatchPlan.UseVector512 = wide;
        Console.WriteLine(wide ? $"{name,-28} {best256,8:F3} CPU-s (256) {best512,8:F3} CPU-s (512)" : $"{name,-28} {best256,8:F3} CPU-s");
    }

    private static double CpuSeconds(Process process, Action action, bool wide512)
    {
        FftBatchPlan.UseVector512 = wide512;
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - cpu0).TotalSeconds;
    }
}
