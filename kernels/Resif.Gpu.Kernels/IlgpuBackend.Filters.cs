using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>Filter family on the device: SOS cascades (alone or fused with decimation), polyphase FIR resampling, detrend, column weights.</summary>
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, PaddedRows>? toPaddedWork;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, PaddedRows>? fromPaddedWork;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, SosPass>? sosInitialState;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, SosSegments>? sosSegmentRun;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, SosSegments>? sosChainSegmentStarts;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, FirResampling>? firResample;
    private Action<Index1D, ArrayView<float>, int, int>? detrend;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int>? multiplyColumns;

    /// <summary>
    /// Runs the biquad cascade along every row in place, in float64 over a float32 device work copy. <paramref name="zeroPhase"/>
    /// adds a pass over the time-reversed result. <paramref name="oddPad"/> &gt; 0 gives SciPy's sosfiltfilt: rows
    /// oddly extended by that many samples and each pass started from <paramref name="steadyState"/> (sosfilt_zi,
    /// two values per section) times its first sample. Rows of <paramref name="sos"/> are [b0 b1 b2 a0 a1 a2].
    /// A non-empty <paramref name="carried"/> (causal only: <see cref="IFilterKernels.SosFilterContinue"/>'s layout,
    /// per row, per section, z0 then z1) is the pass's starting state and receives its final state.
    /// </summary>
    private void RunSosCascade(DeviceTensor tensor, ReadOnlySpan<double> sos, bool zeroPhase, int oddPad, ReadOnlySpan<double> steadyState,
        Span<double> carried = default)
    {
        double[] normalised = NormaliseSections(sos);
        int sections = normalised.Length / 6;
        if (oddPad < 0 || (oddPad > 0 && (oddPad >= tensor.Samples || steadyState.Length != 2 * sections)))
        {
            throw new ArgumentException($"odd padding of {oddPad} needs rows longer than the pad and {2 * sections} steady-state values");
        }
        bool carry = !carried.IsEmpty;
        if (carry && (zeroPhase || oddPad > 0 || carried.Length != 2L * sections * tensor.Channels))
        {
            throw new ArgumentException($"a carried state needs a causal pass and {2L * sections * tensor.Channels} values, got {carried.Length}", nameof(carried));
        }
        if (tensor.Channels == 0 || tensor.Samples == 0) return;

        int tile = PaddedRows.MaxTile;
        while (tile > 1 && tile > accelerator.MaxNumThreadsPerGroup) tile /= 2;
        var rows = new PaddedRows(tensor.Channels, tensor.Samples, oddPad, tile, Math.Clamp(accelerator.MaxNumThreadsPerGroup / tile, 1, Math.Min(8, tile)));
        var tiles = new KernelConfig(new Index2D((rows.WorkSamples + tile - 1) / tile, (rows.Channels + tile - 1) / tile), new Index2D(tile, rows.TileRows));
        var samplesTiles = new KernelConfig(new Index2D((rows.Samples + tile - 1) / tile, (rows.Channels + tile - 1) / tile), new Index2D(tile, rows.TileRows));
        int steadyStart = oddPad > 0 ? 1 : 0;
        int segmentLength = SosSegmentLengthFor(rows.Channels, rows.WorkSamples);
        int segments = (rows.WorkSamples + segmentLength - 1) / segmentLength;
        SectionGroup[] groups = SectionGroups(normalised, segments > 1 ? segmentLength : 0);
        int groupRows = 2 * Math.Min(sections, SosSegments.MaxSections);
        using (EnterDevice())
        {
            toPaddedWork ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, PaddedRows>(FilterKernels.ToPaddedWork);
            fromPaddedWork ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, PaddedRows>(FilterKernels.FromPaddedWork);
            sosInitialState ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, SosPass>(FilterKernels.SosInitialState);
            sosSegmentRun ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, SosSegments>(FilterKernels.SosSegmentRun);
            sosChainSegmentStarts ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, SosSegments>(FilterKernels.SosChainSegmentStarts);

            using var work = accelerator.Allocate1D<float>((long)rows.Channels * rows.WorkSamples);
            using var coefficients = accelerator.Allocate1D(normalised);
            using var steady = accelerator.Allocate1D(steadyStart != 0 ? steadyState.ToArray() : new double[2 * sections]);
            using var state = carry
                ? accelerator.Allocate1D(ToSectionMajor(carried, tensor.Channels))
                : accelerator.Allocate1D<double>(2L * sections * tensor.Channels);
            // Per segment: the zero-state finals, then the true starts (one section group at a time).
            long slots = segments > 1 ? (long)segments * groupRows * rows.Channels : 1;
            using var zeroStateFinals = accelerator.Allocate1D<double>(slots);
            using var starts = accelerator.Allocate1D<double>(slots);
            using var transitions = accelerator.Allocate1D(groups.SelectMany(group => group.Transition).DefaultIfEmpty().ToArray());

            toPaddedWork(tiles, tensor.View, work.View, rows);
            for (int reverse = 0; reverse <= (zeroPhase ? 1 : 0); reverse++)
            {
                if (!carry)
                {
                    sosInitialState(Threads(2L * sections * rows.Channels), work.View, steady.View, state.View,
                        new SosPass(rows.Channels, rows.WorkSamples, sections, reverse, steadyStart));
                }
                long transitionAt = 0;
                foreach (SectionGroup group in groups)
                {
                    var run = new SosSegments(rows.Channels, rows.WorkSamples, segments, segmentLength, reverse, group.First, group.Count, phase: 0);
                    ArrayView<double> groupState = state.View.SubView(2L * group.First * rows.Channels, (long)run.StateRows * rows.Channels);
                    if (segments == 1)
                    {
                        sosSegmentRun(Threads(rows.Channels), work.View, coefficients.View, groupState, groupState, run.InPhase(1));
                        continue;
                    }
                    sosSegmentRun(Threads((long)(segments - 1) * rows.Channels), work.View, coefficients.View, groupState, zeroStateFinals.View, run);
                    sosChainSegmentStarts(rows.Channels, zeroStateFinals.View, transitions.View.SubView(transitionAt, group.Transition.Length), groupState, starts.View, run);
                    sosSegmentRun(Threads((long)segments * rows.Channels), work.View, coefficients.View, starts.View, groupState, run.InPhase(1));
                    transitionAt += group.Transition.Length;
                }
            }
            fromPaddedWork(samplesTiles, work.View, tensor.View, rows);
            accelerator.Synchronize(); // the scratch buffers are released on leaving this block
            if (carry) FromSectionMajor(state.GetAsArray1D(), tensor.Channels, carried);
        }
    }

    /// <summary>
    /// Cuts every SOS pass into segments of this many samples whatever the device (tests: the segment chaining on
    /// small inputs); null lets <see cref="SosSegmentLengthFor"/> choose.
    /// </summary>
    internal int? SosSegmentLength { get; set; }

    /// <summary>Shortest automatic segment: below it the extra zero-state run and the chaining outweigh the parallelism.</summary>
    private const int MinimumSosSegment = 256;

    /// <summary>
    /// One thread per channel runs a recursion that is sequential in time, which leaves a GPU mostly idle (2000 channels
    /// fill a few percent of an H100). Segments along time multiply the threads until the device's resident thread
    /// capacity is reached, at the price of one extra read-only run per segment.
    /// </summary>
    private int SosSegmentLengthFor(int channels, int samples)
    {
        if (SosSegmentLength is int forced) return Math.Clamp(forced, 1, samples);
        long segments = Math.Clamp(accelerator.MaxNumThreads / Math.Max(1, channels), 1, Math.Max(1, samples / MinimumSosSegment));
        return (int)((samples + segments - 1) / segments);
    }

    /// <summary>
    /// Consecutive sections run together, <see cref="SosSegments.MaxSections"/> at most (their state stays in
    /// registers), with the state transition over one segment of zero input when passes are segmented.
    /// </summary>
    private readonly record struct SectionGroup(int First, int Count, double[] Transition);

    private static SectionGroup[] SectionGroups(double[] normalised, int segmentLength)
    {
        int sections = normalised.Length / 6;
        var groups = new List<SectionGroup>();
        for (int first = 0; first < sections; first += SosSegments.MaxSections)
        {
            int count = Math.Min(SosSegments.MaxSections, sections - first);
            groups.Add(new SectionGroup(first, count, segmentLength > 0 ? Padded(ZeroInputTransition(normalised, first, count, segmentLength), 2 * count) : []));
        }
        return [.. groups];
    }

    /// <summary>An n × n row-major matrix in the top-left corner of the 8 × 8 the chaining kernel reads.</summary>
    private static double[] Padded(double[] matrix, int n)
    {
        const int Side = 2 * SosSegments.MaxSections;
        var padded = new double[Side * Side];
        for (int row = 0; row < n; row++) matrix.AsSpan(row * n, n).CopyTo(padded.AsSpan(row * Side));
        return padded;
    }

    /// <summary>
    /// Φ = A^steps (row-major, 2·count square) where A maps the sections' state [z0 z1 per section] one sample ahead
    /// under zero input: the kernel's recursion with x = 0, applied to each unit state (float64, by squaring).
    /// </summary>
    private static double[] ZeroInputTransition(ReadOnlySpan<double> normalised, int first, int count, int steps)
    {
        int n = 2 * count;
        var step = new double[n * n];
        var z = new double[n];
        for (int column = 0; column < n; column++)
        {
            Array.Clear(z);
            z[column] = 1.0;
            double u = 0.0;
            for (int k = 0; k < count; k++)
            {
                int c = 6 * (first + k);
                double y = normalised[c] * u + z[2 * k];
                z[2 * k] = normalised[c + 1] * u - normalised[c + 4] * y + z[2 * k + 1];
                z[2 * k + 1] = normalised[c + 2] * u - normalised[c + 5] * y;
                u = y;
            }
            for (int row = 0; row < n; row++) step[row * n + column] = z[row];
        }
        var power = new double[n * n];
        for (int i = 0; i < n; i++) power[i * n + i] = 1.0;
        for (int e = steps; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) power = Multiply(power, step, n);
            step = Multiply(step, step, n);
        }
        return power;
    }

    private static double[] Multiply(double[] left, double[] right, int n)
    {
        var product = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < n; k++)
            {
                double l = left[i * n + k];
                for (int j = 0; j < n; j++) product[i * n + j] += l * right[k * n + j];
            }
        }
        return product;
    }

    /// <summary>Per-row states [row][section, z] → the kernel's [section, z][row], so a warp's threads read neighbouring words.</summary>
    private static double[] ToSectionMajor(ReadOnlySpan<double> rowMajor, int rows)
    {
        int perRow = rowMajor.Length / rows;
        var sectionMajor = new double[rowMajor.Length];
        for (int row = 0; row < rows; row++)
        {
            for (int k = 0; k < perRow; k++) sectionMajor[k * rows + row] = rowMajor[row * perRow + k];
        }
        return sectionMajor;
    }

    private static void FromSectionMajor(ReadOnlySpan<double> sectionMajor, int rows, Span<double> rowMajor)
    {
        int perRow = sectionMajor.Length / rows;
        for (int row = 0; row < rows; row++)
        {
            for (int k = 0; k < perRow; k++) rowMajor[row * perRow + k] = sectionMajor[k * rows + row];
        }
    }

    /// <summary>
    /// Polyphase FIR resampling by up/down, evaluating the filter only at kept samples:
    /// y[k] = Σ_j taps[j]·u[k·down + delay − j], u = input with up − 1 zeros after each sample, k &lt; outputSamples.
    /// </summary>
    internal DeviceTensor FirResample(DeviceTensor tensor, ReadOnlySpan<double> taps, int up, int down, int delay, int outputSamples)
    {
        if (up < 1) throw new ArgumentOutOfRangeException(nameof(up), up, "must be >= 1");
        if (down < 1) throw new ArgumentOutOfRangeException(nameof(down), down, "must be >= 1");
        if (taps.IsEmpty) throw new ArgumentException("at least one tap is needed", nameof(taps));
        if (outputSamples < 0) throw new ArgumentOutOfRangeException(nameof(outputSamples), outputSamples, "must not be negative");
        using (EnterDevice())
        {
            firResample ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, FirResampling>(FilterKernels.FirResample);
            DeviceTensor output = Allocate(tensor.Channels, outputSamples);
            long count = (long)tensor.Channels * outputSamples;
            if (count == 0) return output;
            try
            {
                using var coefficients = accelerator.Allocate1D(taps.ToArray());
                firResample(Threads(count), tensor.View, output.View, coefficients.View,
                    new FirResampling(tensor.Channels, tensor.Samples, outputSamples, up, down, delay, taps.Length));
                accelerator.Synchronize(); // the taps are released on return
                return output;
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
    }

    /// <summary>x[0], x[factor], x[2·factor], … (the rows are already low-passed): ceil(samples / factor) per row.</summary>
    internal DeviceTensor Downsample(DeviceTensor tensor, int factor) =>
        FirResample(tensor, [1.0], up: 1, factor, delay: 0, ResampledLength(tensor.Samples, 1, factor));

    internal void Detrend(DeviceTensor tensor, bool linear)
    {
        if (tensor.Channels == 0 || tensor.Samples == 0) return;
        using (EnterDevice())
        {
            detrend ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int>(FilterKernels.Detrend);
            detrend(tensor.Channels, tensor.View, tensor.Samples, linear ? 1 : 0);
        }
    }

    internal void MultiplyColumns(DeviceTensor tensor, ReadOnlySpan<double> weights)
    {
        if (weights.Length != tensor.Samples) throw new ArgumentException($"{weights.Length} weights for {tensor.Samples} columns", nameof(weights));
        long count = (long)tensor.Channels * tensor.Samples;
        if (count == 0) return;
        using (EnterDevice())
        {
            multiplyColumns ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int>(FilterKernels.MultiplyColumns);
            using var factors = accelerator.Allocate1D(weights.ToArray());
            multiplyColumns(Threads(count), tensor.View, factors.View, tensor.Samples);
            accelerator.Synchronize();
        }
    }

    public void SosFilter(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        if (UseDevice(nameof(SosFilter)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, columns);
                SosFilter(tensor, sos, mode);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(SosFilter), e))
            {
            }
        }
        Fallback.SosFilter(data, rows, columns, sos, mode);
    }

    /// <summary>
    /// The causal cascade from and into the caller's per-row float64 state: the state travels with the chunk (uploaded
    /// and downloaded in the kernel's layout), so consecutive chunks give one causal pass's values. The caller's data
    /// and state are written only once both came back, so a failed device step reruns from them on the CPU backend.
    /// </summary>
    public void SosFilterContinue(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, Span<double> state)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        int perRow = 2 * (sos.Length / 6);
        if (state.Length < (long)rows * perRow) throw new ArgumentException($"state holds {state.Length} values, fewer than {rows} x {perRow}", nameof(state));
        if (UseDevice(nameof(SosFilterContinue)))
        {
            try
            {
                double[] carried = state[..(rows * perRow)].ToArray();
                using DeviceTensor tensor = Upload(data, rows, columns);
                SosFilterContinue(tensor, sos, carried);
                DownloadInPlace(tensor, data);
                carried.CopyTo(state);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(SosFilterContinue), e))
            {
            }
        }
        Fallback.SosFilterContinue(data, rows, columns, sos, state);
    }

    /// <summary>The causal cascade on a device tensor, starting from and leaving behind <paramref name="state"/> (host, row-major).</summary>
    internal void SosFilterContinue(DeviceTensor tensor, ReadOnlySpan<double> sos, Span<double> state) =>
        RunSosCascade(tensor, sos, zeroPhase: false, oddPad: 0, [], state);

    /// <summary>The interface's modes on a device tensor: causal, ObsPy zero-phase, or SciPy sosfiltfilt (odd pad, steady start).</summary>
    internal void SosFilter(DeviceTensor tensor, ReadOnlySpan<double> sos, SosMode mode)
    {
        bool oddPad = mode == SosMode.ZeroPhaseOddPad;
        int pad = oddPad ? FilterDesign.OddPadLength(sos) : 0;
        if (oddPad && tensor.Samples <= pad) throw new ArgumentException($"odd padding needs more than {pad} samples per row, got {tensor.Samples}", nameof(tensor));
        RunSosCascade(tensor, sos, zeroPhase: mode != SosMode.Causal, pad, oddPad ? FilterDesign.SteadyStateState(sos) : []);
    }

    public void FirResample(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> taps, int up, int down, int delay, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        int outputColumns = ResampledLength(columns, up, down);
        CheckShape(output.Length, rows, outputColumns, nameof(output));
        if (UseDevice(nameof(FirResample)))
        {
            try
            {
                using DeviceTensor tensor = Upload(input, rows, columns);
                using DeviceTensor resampled = FirResample(tensor, taps, up, down, delay, outputColumns);
                Download(resampled, output);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(FirResample), e))
            {
            }
        }
        Fallback.FirResample(input, rows, columns, taps, up, down, delay, output);
    }

    /// <summary>The cascade on a device copy (input untouched), then every factor-th sample kept.</summary>
    public void SosFilterDecimate(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode, int factor, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        CheckShape(output.Length, rows, ResampledLength(columns, 1, factor), nameof(output));
        if (UseDevice(nameof(SosFilterDecimate)))
        {
            try
            {
                using DeviceTensor tensor = Upload(input, rows, columns);
                SosFilter(tensor, sos, mode);
                using DeviceTensor kept = Downsample(tensor, factor);
                Download(kept, output);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(SosFilterDecimate), e))
            {
            }
        }
        Fallback.SosFilterDecimate(input, rows, columns, sos, mode, factor, output);
    }

    public void Detrend(Span<float> data, int rows, int columns, DetrendType type)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        if (UseDevice(nameof(Detrend)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, columns);
                Detrend(tensor, linear: type == DetrendType.Linear);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(Detrend), e))
            {
            }
        }
        Fallback.Detrend(data, rows, columns, type);
    }

    public void MultiplyColumns(Span<float> data, int rows, int columns, ReadOnlySpan<double> weights)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        if (UseDevice(nameof(MultiplyColumns)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, columns);
                MultiplyColumns(tensor, weights);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(MultiplyColumns), e))
            {
            }
        }
        Fallback.MultiplyColumns(data, rows, columns, weights);
    }

    /// <summary>ceil(samples · up / down), the length SciPy's resample_poly gives.</summary>
    private static int ResampledLength(int samples, int up, int down)
    {
        if (up < 1) throw new ArgumentOutOfRangeException(nameof(up), up, "must be >= 1");
        if (down < 1) throw new ArgumentOutOfRangeException(nameof(down), down, "must be >= 1");
        return checked((int)(((long)samples * up + down - 1) / down));
    }

    /// <summary>Divides each [b0 b1 b2 a0 a1 a2] row by a0 so the kernel can assume a0 = 1.</summary>
    private static double[] NormaliseSections(ReadOnlySpan<double> sos)
    {
        if (sos.Length == 0 || sos.Length % 6 != 0) throw new ArgumentException($"SOS coefficients come in rows of 6, got {sos.Length} values", nameof(sos));
        var normalised = sos.ToArray();
        for (int row = 0; row < normalised.Length; row += 6)
        {
            double a0 = normalised[row + 3];
            if (a0 == 0 || !double.IsFinite(a0)) throw new ArgumentException($"section {row / 6} has a0 = {a0}", nameof(sos));
            for (int i = 0; i < 6; i++) normalised[row + i] /= a0;
        }
        return normalised;
    }
}
