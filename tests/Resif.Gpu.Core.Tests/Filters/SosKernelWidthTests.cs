using System.Globalization;
using System.Runtime.Intrinsics;
using Resif.Gpu.Core.Backends.Internal;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// The SOS kernels at both widths (Vector256 one section at a time; Vector512 section pairs, which run in software
/// where AVX-512 is missing) against SciPy float64 at test time, on the same sections. Cascades cover a gain in the
/// first section (Butterworth, Chebyshev I), an odd order (a first-order section that cannot pair), an odd count of
/// symmetric sections (the last one runs alone) and ±2 middle coefficients (their add form).
/// </summary>
public sealed unsafe class SosKernelWidthTests
{
    // Float32 in/out, float64 state: as FilterScipyTests (per-channel relative RMS near 1e-7; 1e-5 leaves room for
    // the float32 intermediate of the two-pass modes).
    private const double Tolerance = 1e-5;

    public static TheoryData<bool, string, SosMode> Cases()
    {
        var cases = new TheoryData<bool, string, SosMode>();
        foreach (bool wide in new[] { false, true })
        {
            foreach (string cascade in new[] { "bandpass4", "lowpass5", "lowpass6", "decimation10", "highpass3" })
            {
                foreach (var mode in Enum.GetValues<SosMode>()) cases.Add(wide, cascade, mode);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SosFilterMatchesScipyAtEitherWidth(bool wide, string cascade, SosMode mode)
    {
        const int rows = 37, columns = 1301; // a partial SIMD group, several 128-step tiles and a partial one
        var sos = Sections(cascade);
        var x = FilterTestData.RandomChannels(rows, columns, seed: cascade.Length * 31 + (int)mode);
        var y = (float[])x.Clone();
        new CpuBackend { WideSos = wide }.SosFilter(y, rows, columns, sos, mode);
        var expected = Python.Apply(x, [rows, columns], ScipySos(sos) + mode switch
        {
            SosMode.Causal => "y = signal.sosfilt(sos, x, axis=-1)",
            SosMode.ZeroPhase => "y = signal.sosfilt(sos, signal.sosfilt(sos, x, axis=-1)[:, ::-1], axis=-1)[:, ::-1]",
            _ => "y = signal.sosfiltfilt(sos, x, axis=-1)",
        });
        double misfit = FilterTestData.WorstRowMisfit(y, expected, rows, columns);
        Assert.True(misfit < Tolerance, $"{cascade} {mode} wide={wide}: worst channel misfit {misfit:E2}");
    }

    // The state a wide run leaves is the one SosFilterContinue documents (scipy's zf), so chunks may switch kernels.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ContinueLeavesScipyFinalStateAtEitherWidth(bool wide)
    {
        const int rows = 18, columns = 700;
        var sos = Sections("bandpass4");
        int sections = FilterDesign.SectionCount(sos);
        var x = FilterTestData.RandomChannels(rows, columns, seed: 3);
        var y = (float[])x.Clone();
        var state = new double[rows * 2 * sections];
        new CpuBackend { WideSos = wide }.SosFilterContinue(y, rows, columns, sos, state);
        var zf = Python.Apply(x, [rows, columns], ScipySos(sos) + "_, zf = signal.sosfilt(sos, x, axis=-1, zi=np.zeros((sos.shape[0], x.shape[0], 2)))\n" +
            "y = np.transpose(zf, (1, 0, 2)).reshape(x.shape[0], -1)");
        for (int i = 0; i < state.Length; i++)
        {
            // zf comes back as float32: compare at its precision, relative to the row's largest state value.
            double scale = Math.Max(1e-30, state.AsSpan(i / (2 * sections) * 2 * sections, 2 * sections).ToArray().Max(Math.Abs));
            Assert.True(Math.Abs(state[i] - zf[i]) <= 1e-6 * scale, $"state[{i}] = {state[i]}, scipy {zf[i]}");
        }
    }

    public static TheoryData<bool, string, bool> FloatStepCases()
    {
        var cases = new TheoryData<bool, string, bool>();
        foreach (bool wide in new[] { false, true })
        {
            foreach (string cascade in new[] { "bandpass4", "lowpass5", "lowpass6", "decimation10", "highpass3" })
            {
                foreach (bool reverse in new[] { false, true }) cases.Add(wide, cascade, reverse);
            }
        }
        return cases;
    }

    // The float32-step form (widening on the first section's load, rounding on the last one's store, single sections
    // first or last included) must give the bits of the float64 form run between a widening and a rounding copy,
    // which is how the chain ran before the fusion and what the SciPy comparisons above validate: exact equality.
    [Theory]
    [MemberData(nameof(FloatStepCases))]
    public void Float32StepsGiveTheBitsOfAWidenedFloat64Run(bool wide, string cascade, bool reverse)
    {
        const int steps = 2 * SosCascade.TileSteps + 37, lanes = SosCascade.Lanes;
        var sos = Sections(cascade);
        var x = FilterTestData.RandomChannels(lanes, steps, seed: cascade.Length + (reverse ? 100 : 0));
        var filter = new SosCascade(sos, wide);
        var state = new Vector256<double>[filter.StateLength];
        var widened = x.Select(v => (double)v).ToArray();
        fixed (double* pointer = widened) filter.Run(pointer, steps, reverse, state);
        var expected = widened.Select(v => (float)v).ToArray();
        var expectedState = (Vector256<double>[])state.Clone();

        var y = new float[x.Length];
        var tile = new double[SosCascade.TileSteps * lanes];
        Array.Clear(state);
        fixed (float* source = x)
        fixed (float* target = y)
        fixed (double* tilePointer = tile) filter.Run(source, target, steps, reverse, state, tilePointer);
        Assert.Equal(expected, y);
        Assert.Equal(expectedState, state);

        var inPlace = (float[])x.Clone();
        Array.Clear(state);
        fixed (float* data = inPlace)
        fixed (double* tilePointer = tile) filter.Run(data, data, steps, reverse, state, tilePointer);
        Assert.Equal(expected, inPlace);
    }

    private static double[] Sections(string cascade) => cascade switch
    {
        "bandpass4" => FilterDesign.Butterworth(4, FilterBand.Bandpass, 1 / 500.0, 40 / 500.0),
        "lowpass5" => FilterDesign.Butterworth(5, FilterBand.Lowpass, 30 / 500.0),
        "lowpass6" => FilterDesign.Butterworth(6, FilterBand.Lowpass, 100 / 500.0),
        "highpass3" => FilterDesign.Butterworth(3, FilterBand.Highpass, 2 / 500.0),
        _ => FilterDesign.DecimationIir(10),
    };

    private static string ScipySos(double[] sos) =>
        $"sos = np.array([{string.Join(", ", sos.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]).reshape(-1, 6)\n";
}
