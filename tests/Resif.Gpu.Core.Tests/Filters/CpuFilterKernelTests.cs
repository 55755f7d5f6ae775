using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// Properties of the CPU kernels that other backends must share: results do not depend on how channels are
/// split over threads and SIMD groups, and the fused filter-and-decimate equals filtering then striding.
/// (Numerical agreement with SciPy is checked in FilterScipyTests / FilterConformanceTests.)
/// </summary>
public sealed class CpuFilterKernelTests
{
    private static readonly double[] Bandpass = FilterDesign.Butterworth(4, FilterBand.Bandpass, 0.01, 0.2);

    [Theory]
    [InlineData(SosMode.Causal)]
    [InlineData(SosMode.ZeroPhase)]
    [InlineData(SosMode.ZeroPhaseOddPad)]
    public void ChannelsAreIndependentOfGroupingAndThreads(SosMode mode)
    {
        const int rows = 37, columns = 603;
        var data = FilterTestData.RandomChannels(rows, columns, seed: 5);
        var together = (float[])data.Clone();
        new CpuBackend(2).SosFilter(together, rows, columns, Bandpass, mode);
        // Each channel alone, single-threaded, sits in lane 0 of its own group: it must give the same bits.
        for (int r = 0; r < rows; r++)
        {
            var alone = data.AsSpan(r * columns, columns).ToArray();
            new CpuBackend(1).SosFilter(alone, 1, columns, Bandpass, mode);
            Assert.Equal(alone, together.AsSpan(r * columns, columns).ToArray());
        }
    }

    [Theory]
    [InlineData(SosMode.Causal, 4)]
    [InlineData(SosMode.ZeroPhaseOddPad, 10)]
    [InlineData(SosMode.ZeroPhase, 3)]
    public void FilterDecimateEqualsFilterThenStride(SosMode mode, int factor)
    {
        const int rows = 19, columns = 1001;
        var data = FilterTestData.RandomChannels(rows, columns, seed: 9);
        var input = (float[])data.Clone();
        int outColumns = (columns + factor - 1) / factor;
        var decimated = new float[rows * outColumns];
        var backend = new CpuBackend();
        backend.SosFilterDecimate(input, rows, columns, Bandpass, mode, factor, decimated);
        Assert.Equal(data, input);

        backend.SosFilter(data, rows, columns, Bandpass, mode);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < outColumns; j++) Assert.Equal(data[r * columns + j * factor], decimated[r * outColumns + j]);
        }
    }

    // SosFilterContinue's state is scipy's: per row (n_sections, 2) transposed-direct-form-II state, zi × x[0] being
    // the steady state. Started there and run in two calls, it must give sosfilt(sos, x, zi=sosfilt_zi(sos)·x[0]) and
    // leave scipy's zf. Float64 recursion both sides; outputs stored as float32 (1e-6 of the peak is a few ulps).
    [Fact]
    public void SosFilterContinueCarriesScipyState()
    {
        const int rows = 5, columns = 400, split = 123;
        var data = FilterTestData.RandomChannels(rows, columns, seed: 11);
        int sections = FilterDesign.SectionCount(Bandpass);
        var steady = FilterDesign.SteadyStateState(Bandpass);
        var state = new double[rows * 2 * sections];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < steady.Length; i++) state[r * steady.Length + i] = steady[i] * data[r * columns];
        var head = new float[rows * split];
        var tail = new float[rows * (columns - split)];
        for (int r = 0; r < rows; r++)
        {
            data.AsSpan(r * columns, split).CopyTo(head.AsSpan(r * split));
            data.AsSpan(r * columns + split, columns - split).CopyTo(tail.AsSpan(r * (columns - split)));
        }
        var backend = new CpuBackend();
        backend.SosFilterContinue(head, rows, split, Bandpass, state);
        backend.SosFilterContinue(tail, rows, columns - split, Bandpass, state);

        string sos = string.Join(",", Bandpass.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var expected = Python.Apply(data, [rows, columns], $"""
            sos = np.array([{sos}]).reshape(-1, 6)
            zi = signal.sosfilt_zi(sos)
            runs = [signal.sosfilt(sos, row, zi=zi * row[0]) for row in x]
            y = np.concatenate([np.concatenate([r[0] for r in runs]), np.concatenate([r[1].ravel() for r in runs])])
            """);
        var output = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            head.AsSpan(r * split, split).CopyTo(output.AsSpan(r * columns));
            tail.AsSpan(r * (columns - split), columns - split).CopyTo(output.AsSpan(r * columns + split));
        }
        double peak = expected.Take(rows * columns).Max(Math.Abs);
        for (int i = 0; i < output.Length; i++) Assert.True(Math.Abs(output[i] - expected[i]) <= 1e-6 * peak, $"sample {i}: {output[i]} vs {expected[i]}");
        double statePeak = expected.Skip(rows * columns).Max(v => Math.Abs((double)v));
        for (int i = 0; i < state.Length; i++)
            Assert.True(Math.Abs(state[i] - expected[rows * columns + i]) <= 1e-6 * statePeak, $"state {i}: {state[i]} vs {expected[rows * columns + i]}");
    }

    [Fact]
    public void OddPadRefusesRowsNotLongerThanThePad()
    {
        int pad = FilterDesign.OddPadLength(Bandpass);
        Assert.Throws<ArgumentException>(() => new CpuBackend().SosFilter(new float[pad], 1, pad, Bandpass, SosMode.ZeroPhaseOddPad));
    }
}
