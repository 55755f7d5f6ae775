using Resif.Gpu.Core.Dsp;

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

    [Fact]
    public void OddPadRefusesRowsNotLongerThanThePad()
    {
        int pad = FilterDesign.OddPadLength(Bandpass);
        Assert.Throws<ArgumentException>(() => new CpuBackend().SosFilter(new float[pad], 1, pad, Bandpass, SosMode.ZeroPhaseOddPad));
    }
}
