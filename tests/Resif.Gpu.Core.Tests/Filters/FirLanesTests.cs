using System.Globalization;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// The channels-as-lanes polyphase FIR kernel at both widths (Vector256; Vector512, in software where AVX-512 is
/// missing) against SciPy float64 at test time: row counts around the 16-lane group (1, 15, 16, 17, 33), rows
/// shorter than the filter, several output tiles, and up/down pairs in both directions.
/// </summary>
public sealed class FirLanesTests
{
    // Float64 products and sums like SciPy, only the order differs; the output and the reference are each rounded
    // to float32 once (relative RMS near 6e-8), so 1e-6 is 10x that floor yet catches any wrong tap or sample.
    private const double Tolerance = 1e-6;

    public static TheoryData<bool, string, string, int, int> OperationCases()
    {
        var cases = new TheoryData<bool, string, string, int, int>();
        foreach (bool wide in new[] { false, true })
        {
            cases.Add(wide, "decimate:factor=10,method=fir", "y = signal.decimate(x, 10, ftype='fir')", 33, 3001);
            cases.Add(wide, "decimate:factor=10,method=fir", "y = signal.decimate(x, 10, ftype='fir')", 1, 150);
            cases.Add(wide, "decimate:factor=3,method=fir", "y = signal.decimate(x, 3, ftype='fir')", 17, 5000);
            cases.Add(wide, "decimate:factor=7,method=fir", "y = signal.decimate(x, 7, ftype='fir')", 15, 30);
            cases.Add(wide, "resample:rate=250", "y = signal.resample_poly(x, 1, 4, axis=-1)", 15, 2001);
            cases.Add(wide, "resample:rate=400", "y = signal.resample_poly(x, 2, 5, axis=-1)", 17, 999);
            cases.Add(wide, "resample:rate=2500", "y = signal.resample_poly(x, 5, 2, axis=-1)", 33, 777);
            cases.Add(wide, "resample:rate=1500", "y = signal.resample_poly(x, 3, 2, axis=-1)", 1, 64);
            cases.Add(wide, "resample:rate=1250", "y = signal.resample_poly(x, 5, 4, axis=-1)", 16, 10);
            cases.Add(wide, "resample:rate=2000", "y = signal.resample_poly(x, 2, 1, axis=-1)", 2, 13);
            // One group over many tiles: its outputs are cut in time across the cores.
            cases.Add(wide, "decimate:factor=5,method=fir", "y = signal.decimate(x, 5, ftype='fir')", 3, 20011);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(OperationCases))]
    public void OperationMatchesScipyAtEitherWidth(bool wide, string spec, string script, int rows, int columns)
    {
        var x = FilterTestData.RandomChannels(rows, columns, seed: rows * 31 + columns);
        var expected = Python.Apply(x, [rows, columns], script);
        var output = FilterTestData.Apply(spec, FilterTestData.NewBlock((float[])x.Clone(), rows, columns, 1e-3), new CpuBackend { WideFir = wide });
        Assert.Equal(expected.Length, output.Values.Length);
        double misfit = FilterTestData.WorstRowMisfit(output.Values, expected, rows, output.Columns);
        Assert.True(misfit < Tolerance, $"{spec} {rows}x{columns} wide={wide}: worst channel misfit {misfit:E2}");
    }

    // The kernel's own contract with taps that are not a multiple of up (phases of unequal length), a single tap,
    // phases long enough for the multi-output block kernels with up > 1 (61 taps, 3/2) or too short for them, and delays that reach past the end of the row (later time chunks of a stream): output[r, j] is the full
    // convolution of the taps with the zero-stuffed row at j·down + delay, zero beyond it.
    [Theory]
    [InlineData(false, 13, 3, 2, 4, 17, 40)]
    [InlineData(true, 13, 3, 2, 4, 17, 40)]
    [InlineData(false, 1, 1, 3, 0, 5, 20)]
    [InlineData(true, 1, 1, 3, 0, 5, 20)]
    [InlineData(false, 31, 2, 7, 50, 18, 33)]
    [InlineData(true, 31, 2, 7, 50, 18, 33)]
    [InlineData(false, 61, 3, 2, 40, 21, 300)]
    [InlineData(true, 61, 3, 2, 40, 21, 300)]
    [InlineData(false, 9, 4, 1, 3, 3, 6)]
    [InlineData(true, 9, 4, 1, 3, 3, 6)]
    public void KernelMatchesZeroStuffedConvolution(bool wide, int tapCount, int up, int down, int delay, int rows, int columns)
    {
        var random = new Random(tapCount * 101 + up * 7 + down);
        var taps = Enumerable.Range(0, tapCount).Select(_ => random.NextDouble() - 0.5).ToArray();
        var x = FilterTestData.RandomChannels(rows, columns, seed: tapCount + delay);
        int outColumns = CpuBackend.FirResampledLength(columns, up, down);
        var output = new float[rows * outColumns];
        new CpuBackend { WideFir = wide }.FirResample(x, rows, columns, taps, up, down, delay, output);
        string h = string.Join(", ", taps.Select(t => t.ToString("R", CultureInfo.InvariantCulture)));
        var expected = Python.Apply(x, [rows, columns], $"""
            h = np.array([{h}])
            u = np.zeros((x.shape[0], x.shape[1] * {up}))
            u[:, ::{up}] = x
            full = np.array([np.convolve(h, row) for row in u])
            at = np.arange({outColumns}) * {down} + {delay}
            y = np.where(at < full.shape[1], full[:, np.minimum(at, full.shape[1] - 1)], 0.0)
            """);
        double misfit = FilterTestData.WorstRowMisfit(output, expected, rows, outColumns);
        Assert.True(misfit < Tolerance, $"taps={tapCount} up={up} down={down} delay={delay} wide={wide}: worst channel misfit {misfit:E2}");
    }
}
