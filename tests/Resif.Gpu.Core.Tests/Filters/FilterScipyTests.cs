using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// Random multi-channel blocks (DC offsets and trends included) against SciPy 1.10 run at test time in float64.
/// Channel counts that are not multiples of the 8 SIMD lanes and lengths across several 256-sample tiles,
/// odd and even, exercise the partial-group and tile-edge paths. Sampled at 1 kHz so that a 1 Hz corner puts
/// poles at radius ≈ 0.998, where float32 state would fail.
/// </summary>
public sealed class FilterScipyTests
{
    // Float32 in/out, float64 state: per-channel relative RMS stays near 1e-7; 1e-5 leaves room for the
    // float32 intermediate of the two-pass modes while staying 10x tighter than the 1e-4.
    private const double Tolerance = 1e-5;

    private const double Step = 1e-3;

    private const string Band = "sos = signal.iirfilter(4, [1/500, 100/500], btype='bandpass', ftype='butter', output='sos')\n";

    [Theory]
    [InlineData("bandpass:freqmin=1,freqmax=100", Band + "y = signal.sosfilt(sos, x, axis=-1)", 11, 1000)]
    [InlineData("bandpass:freqmin=1,freqmax=100,zerophase=true", Band + "y = signal.sosfilt(sos, signal.sosfilt(sos, x)[:, ::-1])[:, ::-1]", 9, 1001)]
    [InlineData("bandpass:freqmin=1,freqmax=100,zerophase=true,pad=odd", Band + "y = signal.sosfiltfilt(sos, x)", 17, 4099)]
    [InlineData("bandpass:freqmin=1,freqmax=100,zerophase=true,pad=odd", Band + "y = signal.sosfiltfilt(sos, x)", 3, 28)]
    [InlineData("lowpass:freq=30,corners=3,zerophase=true,pad=odd", "sos = signal.butter(3, 30/500, output='sos')\ny = signal.sosfiltfilt(sos, x)", 8, 700)]
    [InlineData("highpass:freq=2,corners=5", "sos = signal.butter(5, 2/500, 'highpass', output='sos')\ny = signal.sosfilt(sos, x)", 5, 2000)]
    [InlineData("bandstop:freqmin=40,freqmax=60,corners=3,zerophase=true", "sos = signal.butter(3, [40/500, 60/500], 'bandstop', output='sos')\ny = signal.sosfilt(sos, signal.sosfilt(sos, x)[:, ::-1])[:, ::-1]", 10, 1500)]
    [InlineData("decimate:factor=10", "y = signal.decimate(x, 10)", 12, 3001)]
    [InlineData("decimate:factor=3", "y = signal.decimate(x, 3)", 1, 1000)]
    [InlineData("decimate:factor=10,method=fir", "y = signal.decimate(x, 10, ftype='fir')", 9, 3005)]
    [InlineData("decimate:factor=7,method=fir", "y = signal.decimate(x, 7, ftype='fir')", 2, 100)]
    [InlineData("resample:rate=250", "y = signal.resample_poly(x, 1, 4, axis=-1)", 9, 1001)]
    [InlineData("resample:rate=400", "y = signal.resample_poly(x, 2, 5, axis=-1)", 17, 2000)]
    [InlineData("resample:rate=2500", "y = signal.resample_poly(x, 5, 2, axis=-1)", 3, 777)]
    [InlineData("resample:rate=1500", "y = signal.resample_poly(x, 3, 2, axis=-1)", 2, 64)]
    [InlineData("detrend:type=linear", "y = signal.detrend(x, type='linear')", 7, 999)]
    [InlineData("detrend:type=demean", "y = signal.detrend(x, type='constant')", 7, 1000)]
    public void MatchesScipy(string spec, string script, int rows, int columns)
    {
        var x = FilterTestData.RandomChannels(rows, columns, seed: rows * 7919 + columns);
        var expected = Python.Apply(x, [rows, columns], script);
        var output = FilterTestData.Apply(spec, FilterTestData.NewBlock((float[])x.Clone(), rows, columns, Step));
        Assert.Equal(expected.Length, output.Values.Length);
        double misfit = FilterTestData.WorstRowMisfit(output.Values, expected, rows, output.Columns);
        Assert.True(misfit < Tolerance, $"worst channel misfit {misfit:E2}");
    }

    [Theory]
    [InlineData(0.05, 1000)]
    [InlineData(0.05, 1001)]
    [InlineData(0.5, 64)]
    [InlineData(0.3, 7)]
    public void TaperMatchesObspyFormulaWithScipyHann(double maxPercentage, int columns)
    {
        var x = FilterTestData.RandomChannels(3, columns, seed: columns);
        // ObsPy Trace.taper(max_percentage, type='hann'), spelled out with scipy's Hann window.
        string script = $"""
            n = x.shape[-1]
            wlen = min(int({maxPercentage.ToString(System.Globalization.CultureInfo.InvariantCulture)} * n), int(n / 2))
            sides = signal.windows.hann(2 * wlen if 2 * wlen == n else 2 * wlen + 1)
            taper = np.hstack((sides[:wlen], np.ones(n - 2 * wlen), sides[len(sides) - wlen:]))
            y = x * taper
            """;
        var expected = Python.Apply(x, [3, columns], script);
        var output = FilterTestData.Apply($"taper:max_percentage={maxPercentage.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            FilterTestData.NewBlock((float[])x.Clone(), 3, columns, Step));
        // One float32 rounding of a product: half an ulp.
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], output.Values[i], Math.Abs(expected[i]) * 1e-6 + 1e-30);
    }
}
