using System.Diagnostics;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.IO;

namespace Resif.Gpu.Bench;

/// <summary>
/// `fk-steps BLOCK.npy [threads]`: process CPU seconds (best of 3) of each internal step of CpuBackend.Fk and
/// FkMask on one block, to see where the FK time goes.
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
        Step("fk rows r2c", () => FftTransforms.ForwardRealRows(x, rows, n, 1f, output, rowStride, n / 2, options));
        Step("fk columns", () => FftTransforms.Columns(output, rowStride, rows, n / 2, n - n / 2, 1f, rows / 2, null, options));
        Step("fk fill", () => FftTransforms.FillNegativeFrequencies(output, rows, n, options));
        var filter = FftTransforms.SymmetricMask(mask, rows, n, 1f / rows / n);
        Step("mask rows r2c packed", () => { x.CopyTo(work, 0); FftTransforms.ForwardRealRowsPacked(work, rows, n, options); });
        Step("mask columns+mask+inverse", () => FftTransforms.Columns(work, n, rows, 1, FftTransforms.PackedComplexBins(n), 1f, 0, filter, options,
            FftTransforms.PackedBinOffset(n) - 2));
        Step("mask rows c2r packed", () => FftTransforms.InverseRealRowsPacked(work, rows, n, 1f, options));
        var plan = FftBatchPlan.Get(n);
        var re = new float[plan.BatchFloats];
        var im = new float[plan.BatchFloats];
        var scratch = new float[plan.ScratchFloats];
        Step($"plan {n} x {(rows + 15) / 16}", () => { for (int b = 0; b < (rows + 15) / 16; b++) plan.Forward(re, im, scratch); });
        var columnPlan = FftBatchPlan.Get(rows);
        Step($"plan {rows} x {n / 2 / 8}", () => { for (int b = 0; b < n / 2 / 8; b++) columnPlan.Forward(re, im, scratch); });
        Step("copy (for reference)", () => x.CopyTo(work, 0));
        return 0;
    }

    private static void Step(string name, Action action)
    {
        var process = Process.GetCurrentProcess();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            action();
            process.Refresh();
            best = Math.Min(best, (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        Console.WriteLine($"{name,-28} {best,8:F3} CPU-s");
    }
}
