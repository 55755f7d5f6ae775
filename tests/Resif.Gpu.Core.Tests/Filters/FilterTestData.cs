using System.Globalization;
using System.IO.Compression;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>Blocks, conformance traces and the misfit metric shared by the filter tests.</summary>
internal static class FilterTestData
{
    public static Block NewBlock(float[] values, int rows, int columns, double step) => new(
        new TensorLayout(["channel", "time"], [rows, columns],
            [new Coordinate("channel", "", rows, 0, 1), new Coordinate("time", "s", columns, 0, step)], "strain_rate"),
        values);

    /// <summary>Plans and runs one operation given in CLI syntax, as the executor would.</summary>
    public static Block Apply(string spec, Block input, IBackend? backend = null)
    {
        var operation = OperationRegistry.Default.Create(OperationRequest.Parse(spec, 0), 0);
        var planned = operation.Plan(input.Layout);
        var output = operation.Run(input, backend ?? new CpuBackend());
        Assert.Equal(planned.Shape, output.Layout.Shape);
        return output;
    }

    /// <summary>The ObsPy test trace rjob_20051006 (1750 samples, treated as 200 Hz) or one of its PITSA outputs.</summary>
    public static double[] Rjob(string suffix = "")
    {
        using var gz = new GZipStream(File.OpenRead(TestPaths.ConformanceFile("obspy-filter", $"rjob_20051006{suffix}.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#')).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>A SciPy reference output: one header line describing the call, then one value per line.</summary>
    public static double[] ScipyReference(string file) => File.ReadLines(TestPaths.ConformanceFile("scipy-reference", file)).Skip(1)
        .Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>ObsPy's normalised RMS misfit sqrt(Σ(ours − ref)² / Σ ref²) over the first <paramref name="count"/> samples.</summary>
    public static double Misfit(ReadOnlySpan<float> ours, ReadOnlySpan<double> reference, int? count = null)
    {
        int n = count ?? reference.Length;
        double error = 0, energy = 0;
        for (int i = 0; i < n; i++)
        {
            error += (ours[i] - reference[i]) * (ours[i] - reference[i]);
            energy += reference[i] * reference[i];
        }
        return Math.Sqrt(error / energy);
    }

    /// <summary>Per-row misfit, worst row: every channel must match on its own.</summary>
    public static double WorstRowMisfit(ReadOnlySpan<float> ours, ReadOnlySpan<float> reference, int rows, int columns)
    {
        double worst = 0;
        for (int r = 0; r < rows; r++)
        {
            var a = ours.Slice(r * columns, columns);
            var b = reference.Slice(r * columns, columns);
            double error = 0, energy = 0;
            for (int i = 0; i < columns; i++)
            {
                error += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
                energy += (double)b[i] * b[i];
            }
            worst = Math.Max(worst, Math.Sqrt(error / Math.Max(energy, double.Epsilon)));
        }
        return worst;
    }

    /// <summary>Random multi-channel data with a per-channel DC offset and trend, the hard case for filter state.</summary>
    public static float[] RandomChannels(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            double offset = 10 * (random.NextDouble() - 0.5), trend = random.NextDouble() - 0.5;
            for (int i = 0; i < columns; i++) data[r * columns + i] = (float)(offset + trend * i / columns + random.NextDouble() - 0.5);
        }
        return data;
    }
}
