using System.Text.Json;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>
/// The conformance folder's das-formats/expected_metadata.json: values derived independently (h5py and
/// hand-written parsers in Python) from the same reference files.
/// </summary>
internal static class Expected
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestPaths.ConformanceFile("das-formats", "expected_metadata.json"))).RootElement);

    public static string PathOf(string file) => TestPaths.ConformanceFile("das-formats", file);

    public static JsonElement Of(string file) => Root.Value.GetProperty(file);

    public static double Number(string file, params string[] keys)
    {
        var e = Of(file);
        foreach (string k in keys) e = e.GetProperty(k);
        return e.ValueKind == JsonValueKind.Array ? e[0].GetDouble() : e.GetDouble();
    }

    public static string Text(string file, string key) => Of(file).GetProperty(key).GetString()!;
}

/// <summary>Sums and corner values of a read, compared with the "data" block of the expectations.</summary>
internal static class Stats
{
    public static (double Sum, double SumSq, double AbsSum) Of(float[] data)
    {
        double sum = 0, sumSq = 0, absSum = 0;
        foreach (float v in data)
        {
            sum += v;
            sumSq += (double)v * v;
            absSum += Math.Abs(v);
        }
        return (sum, sumSq, absSum);
    }

    /// <summary>
    /// Integer sources convert to float32 exactly, so their sums must match exactly. Float32 sources give the same
    /// values; only the summation order differs, so the sums agree to 1e-9 of the sum of magnitudes. Float64
    /// sources are rounded to float32 (relative error 2^-24 per value), which bounds the difference.
    /// </summary>
    public static void AssertMatches(string file, DasRecording recording)
    {
        var data = Expected.Of(file).GetProperty("data");
        string dtype = data.GetProperty("dtype").GetString()!;
        Assert.Equal(dtype, recording.Info.RawDtype);
        var (sum, sumSq, absSum) = Of(recording.Data);
        double expectedSum = data.GetProperty("sum").GetDouble(), expectedSumSq = data.GetProperty("sumsq").GetDouble();
        double first = data.GetProperty("first").GetDouble(), last = data.GetProperty("last").GetDouble();
        if (dtype.StartsWith("int") || dtype.StartsWith("uint"))
        {
            Assert.Equal(expectedSum, sum);
            Assert.Equal(expectedSumSq, sumSq);
            Assert.Equal(first, recording.Data[0]);
            Assert.Equal(last, recording.Data[^1]);
        }
        else
        {
            double rounding = dtype == "float64" ? Math.Pow(2, -24) : 0;
            double tolerance = 1e-9 * absSum + rounding * absSum;
            Assert.InRange(sum, expectedSum - tolerance, expectedSum + tolerance);
            double tolSq = 1e-9 * expectedSumSq + 2 * rounding * expectedSumSq;
            Assert.InRange(sumSq, expectedSumSq - tolSq, expectedSumSq + tolSq);
            Assert.Equal(first, recording.Data[0], Math.Abs(first) * rounding);
            Assert.Equal(last, recording.Data[^1], Math.Abs(last) * rounding);
        }
    }
}
