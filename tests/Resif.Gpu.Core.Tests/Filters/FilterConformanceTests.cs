namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// Outputs on the ObsPy rjob trace (200 Hz) against the conformance files: SciPy 1.10 float64 outputs
/// (scipy-reference) and ObsPy's PITSA references (obspy-filter).
/// </summary>
public sealed class FilterConformanceTests
{
    // Float32 data and output with float64 state and coefficients: rounding of the output itself is ~6e-8, the
    // recursion adds a little; 1e-5 relative RMS is ObsPy's own threshold and 10x tighter than the 1e-4.
    private const double ScipyTolerance = 1e-5;

    // ObsPy's upstream threshold for the PITSA comparisons (README of obspy-filter).
    private const double PitsaTolerance = 1e-5;

    private const double Step = 1 / 200.0;

    [Theory]
    [InlineData("bandpass:freqmin=5,freqmax=10,corners=4", "rjob_bp5-10_c4_causal.csv")]
    [InlineData("bandpass:freqmin=5,freqmax=10,corners=4,zerophase=true", "rjob_bp5-10_c4_obspy_zerophase.csv")]
    [InlineData("bandpass:freqmin=5,freqmax=10,corners=4,zerophase=true,pad=odd", "rjob_bp5-10_c4_sosfiltfilt_oddpad.csv")]
    [InlineData("decimate:factor=4", "rjob_decimate_iir_q4.csv")]
    [InlineData("decimate:factor=5,method=fir", "rjob_decimate_fir_q5.csv")]
    [InlineData("decimate:factor=4,method=obspy", "rjob_obspy_decimate_q4.csv")]
    public void MatchesScipyReference(string spec, string file)
    {
        var x = FilterTestData.Rjob();
        var expected = FilterTestData.ScipyReference(file);
        var output = FilterTestData.Apply(spec, FilterTestData.NewBlock(x.Select(v => (float)v).ToArray(), 1, x.Length, Step));
        Assert.Equal(expected.Length, output.Columns);
        double misfit = FilterTestData.Misfit(output.Values, expected);
        Assert.True(misfit < ScipyTolerance, $"misfit {misfit:E2}");
    }

    [Theory]
    [InlineData("bandpass:freqmin=5,freqmax=10,corners=4", "_bandpass", 0)]
    [InlineData("lowpass:freq=5,corners=4", "_lowpass", 0)]
    [InlineData("highpass:freq=10,corners=4", "_highpass", 0)]
    // Zero-phase: ObsPy passes corners=2 (two passes double the order); the last 200 samples differ in edge handling.
    [InlineData("bandpass:freqmin=5,freqmax=10,corners=2,zerophase=true", "_bandpassZPHSH", 200)]
    [InlineData("lowpass:freq=5,corners=2,zerophase=true", "_lowpassZPHSH", 200)]
    [InlineData("highpass:freq=10,corners=2,zerophase=true", "_highpassZPHSH", 200)]
    public void MatchesPitsaReference(string spec, string suffix, int ignoredAtEnd)
    {
        var x = FilterTestData.Rjob();
        var expected = FilterTestData.Rjob(suffix);
        var output = FilterTestData.Apply(spec, FilterTestData.NewBlock(x.Select(v => (float)v).ToArray(), 1, x.Length, Step));
        double misfit = FilterTestData.Misfit(output.Values, expected, expected.Length - ignoredAtEnd);
        Assert.True(misfit < PitsaTolerance, $"misfit {misfit:E2}");
    }

    [Fact]
    public void DecimationScalesTheTimeStepAndKeepsTheOrigin()
    {
        var x = FilterTestData.Rjob();
        var input = FilterTestData.NewBlock(x.Select(v => (float)v).ToArray(), 1, x.Length, Step);
        var output = FilterTestData.Apply("decimate:factor=4", input);
        var time = output.Layout.Coords[1];
        Assert.Equal(438, time.Length);
        Assert.Equal(4 * Step, time.Step, 1e-15);
        Assert.Equal(0, time.Start);
    }
}
