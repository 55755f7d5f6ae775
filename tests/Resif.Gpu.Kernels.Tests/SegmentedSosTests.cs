using Resif.Gpu.Core;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Tests.Backends;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// SOS passes cut into time segments, each segment's start chained from the previous one through the sections' state
/// transition under zero input (IlgpuBackend.Filters.cs): they must give the values of one unbroken recursion, for
/// every mode, for one to three groups of four sections, for segments of one sample up to longer than the row, and
/// with a state carried across chunks. Reference: the CPU backend (itself checked against SciPy). Written once, run
/// per device with the segment length forced.
/// </summary>
public abstract class SegmentedSosSuite : IDisposable
{
    private const int Rows = 3, Columns = 300;

    /// <summary>1, 4, 5 and 9 sections: one group, a full group, a group and one, three groups.</summary>
    private static readonly double[][] Cascades =
    [
        FilterDesign.Butterworth(2, FilterBand.Lowpass, 0.2),
        FilterDesign.Butterworth(4, FilterBand.Bandpass, 0.04, 0.3),
        FilterDesign.Butterworth(5, FilterBand.Bandpass, 0.05, 0.4),
        FilterDesign.Butterworth(9, FilterBand.Bandpass, 0.1, 0.5),
    ];

    private static readonly int[] SegmentLengths = [1, 7, 100, 10_000];

    private IlgpuBackend? backend;

    private IlgpuBackend Backend => backend ??= CreateBackend();

    protected abstract IlgpuBackend CreateBackend();

    [BackendFact]
    public void Segmented_passes_give_the_unbroken_recursion_for_every_mode_section_count_and_segment_length()
    {
        float[] input = Signal(Rows, Columns, seed: 31);
        using var cpu = new CpuBackend();
        foreach (double[] sos in Cascades)
        {
            foreach (SosMode mode in Enum.GetValues<SosMode>())
            {
                float[] expected = input.ToArray();
                cpu.Filters.SosFilter(expected, Rows, Columns, sos, mode);
                foreach (int length in SegmentLengths)
                {
                    Backend.SosSegmentLength = length;
                    float[] actual = input.ToArray();
                    Backend.SosFilter(actual, Rows, Columns, sos, mode);
                    AssertSame(expected, actual, $"{FilterDesign.SectionCount(sos)} sections, {mode}, segments of {length}");
                }
            }
        }
        Assert.Null(Backend.DisabledReason);
    }

    [BackendFact]
    public void A_carried_state_crosses_segmented_chunks_as_one_causal_pass()
    {
        double[] sos = Cascades[3];
        int perRow = 2 * FilterDesign.SectionCount(sos);
        float[] input = Signal(Rows, Columns, seed: 32);
        double[] initial = Enumerable.Range(0, Rows * perRow).Select(i => 0.02 * (i % 5) - 0.04).ToArray();
        using var cpu = new CpuBackend();
        float[] expected = input.ToArray();
        double[] expectedState = initial.ToArray();
        cpu.Filters.SosFilterContinue(expected, Rows, Columns, sos, expectedState);

        Backend.SosSegmentLength = 9;
        var actual = new float[input.Length];
        double[] state = initial.ToArray();
        int start = 0;
        foreach (int width in new[] { 100, 3, 197 })
        {
            var chunk = new float[Rows * width];
            for (int r = 0; r < Rows; r++) input.AsSpan(r * Columns + start, width).CopyTo(chunk.AsSpan(r * width));
            Backend.SosFilterContinue(chunk, Rows, width, sos, state);
            for (int r = 0; r < Rows; r++) chunk.AsSpan(r * width, width).CopyTo(actual.AsSpan(r * Columns + start));
            start += width;
        }

        AssertSame(expected, actual, "9 sections, causal, chunks of 100, 3 and 197, segments of 9");
        // The device hands each group of four sections its input rounded to float32, as the data are stored, so the
        // states of later sections carry that rounding (the CPU backend keeps float64 between them).
        for (int i = 0; i < state.Length; i++)
        {
            Assert.True(Math.Abs(state[i] - expectedState[i]) <= 1e-6 * (1 + Math.Abs(expectedState[i])), $"state {i}: {state[i]} vs {expectedState[i]}");
        }
        Assert.Null(Backend.DisabledReason);
    }

    /// <summary>Both sides run the recursion in float64 and round once to float32: within a few float32 roundings of the peak.</summary>
    private static void AssertSame(float[] expected, float[] actual, string what)
    {
        double peak = expected.Max(v => Math.Abs(v)), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= 1e-6 * peak, $"{what}: max |difference| {worst:E2} of peak {peak:E2}");
    }

    public void Dispose()
    {
        backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The segment chaining on ILGPU's CPU accelerator, where the automatic choice would not segment small inputs.</summary>
public sealed class IlgpuCpuSegmentedSos : SegmentedSosSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("ilgpu-cpu");
}

/// <summary>The segment chaining on the first usable CUDA device; skipped, with the reason, where there is none.</summary>
[RequiresDevice("cuda")]
public sealed class CudaSegmentedSos : SegmentedSosSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("cuda");
}
