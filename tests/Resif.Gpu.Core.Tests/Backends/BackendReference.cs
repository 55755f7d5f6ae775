using System.Globalization;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>
/// Independent references for the backend suite: SciPy/NumPy at test time, or plain float64 loops written from the
/// published definitions. Inputs are small because the ILGPU CPU accelerator emulates a GPU thread by thread.
/// </summary>
public static class BackendReference
{
    /// <summary>Deterministic pseudo-noise with a drift and a burst, so detrend, STA/LTA and filters all see structure.</summary>
    public static float[] Signal(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double burst = c > columns / 2 && c < columns / 2 + columns / 10 ? 6.0 * Math.Sin(0.7 * c) : 0.0;
                data[r * columns + c] = (float)(random.NextDouble() * 2 - 1 + 0.01 * r * c / columns + burst + 0.5 * r);
            }
        }
        return data;
    }

    /// <summary>Runs a SciPy filter design expression (e.g. <c>signal.butter(4, [1, 10], 'bandpass', fs=100, output='sos')</c>) and returns its coefficients flattened.</summary>
    public static double[] ScipySos(string design)
    {
        string dir = TestPaths.NewTempDirectory("resif-sos");
        try
        {
            string printed = Python.Run($"import numpy as np\nfrom scipy import signal\nprint(' '.join(repr(float(v)) for v in np.ravel({design})))\n", dir);
            return printed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A Python list literal that reproduces <paramref name="values"/> exactly (round-trip formatting).</summary>
    public static string PythonList(IEnumerable<double> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// Asserts |expected − actual| ≤ tolerance · max(1, max|expected|) element by element, naming the first failure.
    /// Relative to the peak because float32 output carries about 6e-8 of the signal's scale, not of each sample.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double peak = 1.0;
        foreach (float v in expected) peak = Math.Max(peak, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (!(error <= tolerance * peak))
            {
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2} > {tolerance:E1} × peak {peak:G4})");
            }
        }
    }
}
