using System.Globalization;
using System.Text.Json;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>Coefficients against SciPy 1.10's, recorded in the conformance file filter_designs.json.</summary>
public sealed class FilterDesignTests
{
    // Same algorithm in float64: agreement is limited only by rounding in the pole/zero arithmetic.
    private const double Tolerance = 1e-12;

    private static readonly JsonElement Designs = JsonDocument.Parse(
        File.ReadAllText(TestPaths.ConformanceFile("scipy-reference", "filter_designs.json"))).RootElement.GetProperty("designs");

    public static TheoryData<string> ButterworthNames() => Names("butter_");

    public static TheoryData<string> Names(string prefix)
    {
        var data = new TheoryData<string>();
        foreach (var p in Designs.EnumerateObject()) if (p.Name.StartsWith(prefix, StringComparison.Ordinal)) data.Add(p.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ButterworthNames))]
    public void ButterworthMatchesScipy(string name)
    {
        // butter_corners{N}_lo{f|None}_hi{f|None}_fs{fs}
        var parts = name.Split('_');
        int corners = int.Parse(parts[1]["corners".Length..], CultureInfo.InvariantCulture);
        double? lo = ParseOptional(parts[2]["lo".Length..]), hi = ParseOptional(parts[3]["hi".Length..]);
        double nyquist = double.Parse(parts[4]["fs".Length..], CultureInfo.InvariantCulture) / 2;
        double[] sos = (lo, hi) switch
        {
            ({ } l, { } h) => FilterDesign.Butterworth(corners, FilterBand.Bandpass, l / nyquist, h / nyquist),
            (null, { } h) => FilterDesign.Butterworth(corners, FilterBand.Lowpass, h / nyquist),
            ({ } l, null) => FilterDesign.Butterworth(corners, FilterBand.Highpass, l / nyquist),
            _ => throw new InvalidDataException(name),
        };
        AssertSections(Sections(Designs.GetProperty(name)), sos);
    }

    [Theory]
    [MemberData(nameof(Names), "decimate_iir_cheby1_q")]
    public void DecimationIirMatchesScipy(string name)
    {
        int q = int.Parse(name["decimate_iir_cheby1_q".Length..], CultureInfo.InvariantCulture);
        AssertSections(Sections(Designs.GetProperty(name)), FilterDesign.DecimationIir(q));
    }

    [Theory]
    [MemberData(nameof(Names), "decimate_fir_q")]
    public void DecimationFirMatchesScipy(string name)
    {
        int q = int.Parse(name["decimate_fir_q".Length..], CultureInfo.InvariantCulture);
        var expected = Designs.GetProperty(name).GetProperty("taps").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        AssertSections(expected, FilterDesign.DecimationFir(q));
    }

    [Theory]
    [MemberData(nameof(Names), "obspy_decimate_cheby2_sr200_q")]
    public void ObspyCheby2MatchesObspyDesign(string name)
    {
        var expected = Designs.GetProperty(name);
        var design = FilterDesign.ObspyLowpassCheby2(expected.GetProperty("freq").GetDouble(), 200.0);
        Assert.Equal(expected.GetProperty("order").GetInt32(), design.Order);
        Assert.Equal(expected.GetProperty("wn").GetDouble(), design.NormalizedEdge, Tolerance);
        Assert.Equal(expected.GetProperty("passband_hz").GetDouble(), design.PassbandHz, 1e-9);
        AssertSections(Sections(expected), design.Sos);
    }

    [Fact]
    public void SteadyStateAndPadLengthMatchScipyAtTestTime()
    {
        var sos = FilterDesign.Butterworth(3, FilterBand.Bandpass, 0.1, 0.4);
        var expected = Python.Apply(sos.Select(v => (float)v).ToArray(), [sos.Length / 6, 6],
            "sos = signal.butter(3, [0.1, 0.4], 'bandpass', output='sos')\ny = signal.sosfilt_zi(sos).ravel()");
        var zi = FilterDesign.SteadyStateState(sos);
        // The reference travels back as float32: compare to float32 resolution.
        for (int i = 0; i < zi.Length; i++) Assert.Equal(expected[i], zi[i], 1e-6 * Math.Max(1, Math.Abs(zi[i])));
        // Odd-order band filters have no first-order section here (zeros and poles come in pairs).
        Assert.Equal(3 * (2 * 3 + 1), FilterDesign.OddPadLength(sos));
        var lowpass3 = FilterDesign.Butterworth(3, FilterBand.Lowpass, 0.2);
        Assert.Equal(3 * (2 * 2 + 1 - 1), FilterDesign.OddPadLength(lowpass3));
    }

    private static double? ParseOptional(string text) => text == "None" ? null : double.Parse(text, CultureInfo.InvariantCulture);

    private static double[] Sections(JsonElement design) =>
        design.GetProperty("sos").EnumerateArray().SelectMany(row => row.EnumerateArray().Select(e => e.GetDouble())).ToArray();

    private static void AssertSections(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(scale, Math.Abs(expected[i])),
                $"coefficient {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
