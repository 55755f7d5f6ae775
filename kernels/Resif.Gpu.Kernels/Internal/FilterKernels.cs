using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// A float32 working copy of channel-major rows, each extended by <see cref="Pad"/> samples of odd extension at both
/// ends (SciPy's <c>odd_ext</c>, pad 0 for a plain copy), stored time-major [work sample, channel] so the
/// recursion's threads (channels fastest) read consecutive words across a warp. Work length = <see cref="Samples"/> +
/// 2·Pad. Copied in and out through square tiles of side <see cref="Tile"/> in shared memory, by groups of Tile ×
/// <see cref="TileRows"/> threads, so that both the rows and the work are read and written along contiguous words.
/// </summary>
internal readonly struct PaddedRows(int channels, int samples, int pad, int tile, int tileRows)
{
    public const int MaxTile = 32;

    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Pad = pad;
    public readonly int Tile = tile;
    public readonly int TileRows = tileRows;

    public int WorkSamples => Samples + 2 * Pad;
}

/// <summary>
/// The state one pass of an SOS cascade starts from (layout [section][z0|z1][channel], two rows per section):
/// <see cref="SteadyStart"/> ≠ 0 gives the steady state times the pass's first input sample (SciPy's
/// <c>sosfilt_zi · x[0]</c>), else rest. <see cref="Reverse"/> ≠ 0: the pass runs from the last sample back.
/// </summary>
internal readonly struct SosPass(int channels, int samples, int sections, int reverse, int steadyStart)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Sections = sections;
    public readonly int Reverse = reverse;
    public readonly int SteadyStart = steadyStart;
}

/// <summary>
/// Up to <see cref="MaxSections"/> consecutive sections of one cascade pass, starting at <see cref="FirstSection"/>,
/// over time-major float32 work cut into <see cref="Segments"/> runs of <see cref="SegmentLength"/> samples along the
/// pass (the last one shorter) so that channels × segments threads share the recursion. <see cref="Phase"/> 0: each
/// segment but the last runs from rest without writing and leaves its final state in slot [segment] (the zero-state
/// part of the next segment's start); phase 1: each segment runs from its true start in slot [segment] of the starts,
/// writes its values, and the last one leaves the pass's final state. State slots hold <see cref="StateRows"/> rows of
/// <see cref="Channels"/> values.
/// </summary>
internal readonly struct SosSegments(int channels, int samples, int segments, int segmentLength, int reverse, int firstSection, int sections, int phase)
{
    public const int MaxSections = 4;

    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Segments = segments;
    public readonly int SegmentLength = segmentLength;
    public readonly int Reverse = reverse;
    public readonly int FirstSection = firstSection;
    public readonly int Sections = sections;
    public readonly int Phase = phase;

    public int StateRows => 2 * Sections;

    public SosSegments InPhase(int next) => new(Channels, Samples, Segments, SegmentLength, Reverse, FirstSection, Sections, next);
}

/// <summary>
/// y[c, k] = Σ_j taps[j] · u[c, k·Down + Delay − j], u the input with Up − 1 zeros after every sample, samples
/// outside u read as zero (SciPy's upfirdn, windowed as resample_poly does). Decimation is Up = 1.
/// </summary>
internal readonly struct FirResampling(int channels, int inputSamples, int outputSamples, int up, int down, int delay, int taps)
{
    public readonly int Channels = channels;
    public readonly int InputSamples = inputSamples;
    public readonly int OutputSamples = outputSamples;
    public readonly int Up = up;
    public readonly int Down = down;
    public readonly int Delay = delay;
    public readonly int Taps = taps;
}

/// <summary>ILGPU kernels of the filter family: data are channel-major [channel, sample].</summary>
internal static class FilterKernels
{
    /// <summary>
    /// Group (i, j) copies work samples i·Tile.. of channels j·Tile..: rows read along time into a padded shared tile
    /// (odd extension computed in float64, as SciPy does, then rounded), written to the time-major work along channels.
    /// </summary>
    public static void ToPaddedWork(ArrayView<float> data, ArrayView<float> work, PaddedRows rows)
    {
        ArrayView<float> tile = SharedMemory.Allocate<float>(PaddedRows.MaxTile * (PaddedRows.MaxTile + 1));
        int side = rows.Tile, stride = PaddedRows.MaxTile + 1;
        int firstStep = Grid.IdxX * side, firstChannel = Grid.IdxY * side;
        int last = rows.Samples - 1;
        for (int r = Group.IdxY; r < side; r += rows.TileRows)
        {
            int channel = firstChannel + r, step = firstStep + Group.IdxX;
            if (channel < rows.Channels && step < rows.WorkSamples)
            {
                long rowStart = (long)channel * rows.Samples;
                int j = step - rows.Pad;
                double value =
                    j < 0 ? 2.0 * data[rowStart] - data[rowStart - j] :
                    j > last ? 2.0 * data[rowStart + last] - data[rowStart + 2 * last - j] :
                    data[rowStart + j];
                tile[r * stride + Group.IdxX] = (float)value;
            }
        }
        Group.Barrier();
        for (int r = Group.IdxY; r < side; r += rows.TileRows)
        {
            int step = firstStep + r, channel = firstChannel + Group.IdxX;
            if (channel < rows.Channels && step < rows.WorkSamples) work[(long)step * rows.Channels + channel] = tile[Group.IdxX * stride + r];
        }
    }

    /// <summary>Group (i, j) copies samples i·Tile.. of channels j·Tile.. back: work read along channels, rows written along time.</summary>
    public static void FromPaddedWork(ArrayView<float> work, ArrayView<float> data, PaddedRows rows)
    {
        ArrayView<float> tile = SharedMemory.Allocate<float>(PaddedRows.MaxTile * (PaddedRows.MaxTile + 1));
        int side = rows.Tile, stride = PaddedRows.MaxTile + 1;
        int firstSample = Grid.IdxX * side, firstChannel = Grid.IdxY * side;
        for (int r = Group.IdxY; r < side; r += rows.TileRows)
        {
            int sample = firstSample + r, channel = firstChannel + Group.IdxX;
            if (channel < rows.Channels && sample < rows.Samples) tile[Group.IdxX * stride + r] = work[(long)(sample + rows.Pad) * rows.Channels + channel];
        }
        Group.Barrier();
        for (int r = Group.IdxY; r < side; r += rows.TileRows)
        {
            int channel = firstChannel + r, sample = firstSample + Group.IdxX;
            if (channel < rows.Channels && sample < rows.Samples) data[(long)channel * rows.Samples + sample] = tile[r * stride + Group.IdxX];
        }
    }

    /// <summary>
    /// One thread per state value: the start of a cascade pass, the steady state times the pass's first input sample
    /// or rest (see <see cref="SosPass"/>), written before any section runs so that later section groups scale the
    /// cascade's input, as SciPy does.
    /// </summary>
    public static void SosInitialState(Index1D index, ArrayView<float> work, ArrayView<double> steadyState, ArrayView<double> state, SosPass pass)
    {
        int row = index.X / pass.Channels;
        int channel = index.X - row * pass.Channels;
        double first = work[(long)(pass.Reverse != 0 ? pass.Samples - 1 : 0) * pass.Channels + channel];
        state[index] = pass.SteadyStart != 0 ? steadyState[row] * first : 0.0;
    }

    /// <summary>
    /// One thread per (segment, channel), channels fastest so a warp reads neighbouring words of the time-major work:
    /// up to four biquads (transposed direct form II, float64 like SciPy) with their coefficients and state in
    /// registers; the work is float32 (half the memory traffic), widened on load and rounded on store, as the CPU
    /// backend's cascades do. Coefficients are [b0 b1 b2 1 a1 a2] per section, already divided by a0; state slots are
    /// [segment][row][channel]. See <see cref="SosSegments"/> for the two phases.
    /// </summary>
    public static void SosSegmentRun(Index1D index, ArrayView<float> work, ArrayView<double> sos, ArrayView<double> starts,
        ArrayView<double> finals, SosSegments run)
    {
        int segment = index.X / run.Channels;
        int channel = index.X - segment * run.Channels;
        int n = run.Sections;
        int c = 6 * run.FirstSection;
        double b00 = sos[c], b01 = sos[c + 1], b02 = sos[c + 2], a01 = sos[c + 4], a02 = sos[c + 5];
        double b10 = n > 1 ? sos[c + 6] : 0, b11 = n > 1 ? sos[c + 7] : 0, b12 = n > 1 ? sos[c + 8] : 0, a11 = n > 1 ? sos[c + 10] : 0, a12 = n > 1 ? sos[c + 11] : 0;
        double b20 = n > 2 ? sos[c + 12] : 0, b21 = n > 2 ? sos[c + 13] : 0, b22 = n > 2 ? sos[c + 14] : 0, a21 = n > 2 ? sos[c + 16] : 0, a22 = n > 2 ? sos[c + 17] : 0;
        double b30 = n > 3 ? sos[c + 18] : 0, b31 = n > 3 ? sos[c + 19] : 0, b32 = n > 3 ? sos[c + 20] : 0, a31 = n > 3 ? sos[c + 22] : 0, a32 = n > 3 ? sos[c + 23] : 0;

        double z00 = 0, z01 = 0, z10 = 0, z11 = 0, z20 = 0, z21 = 0, z30 = 0, z31 = 0;
        if (run.Phase != 0)
        {
            long slot = (long)segment * run.StateRows * run.Channels + channel;
            z00 = starts[slot];
            z01 = starts[slot + run.Channels];
            if (n > 1) { z10 = starts[slot + 2L * run.Channels]; z11 = starts[slot + 3L * run.Channels]; }
            if (n > 2) { z20 = starts[slot + 4L * run.Channels]; z21 = starts[slot + 5L * run.Channels]; }
            if (n > 3) { z30 = starts[slot + 6L * run.Channels]; z31 = starts[slot + 7L * run.Channels]; }
        }

        int begin = segment * run.SegmentLength;
        int end = begin + run.SegmentLength < run.Samples ? begin + run.SegmentLength : run.Samples;
        long step = run.Reverse != 0 ? -(long)run.Channels : run.Channels;
        long at = (long)(run.Reverse != 0 ? run.Samples - 1 - begin : begin) * run.Channels + channel;
        // Loads run four samples ahead of the recursion, which does not feed them: waiting for each load in turn
        // held this kernel to ~0.8 TB/s on an H100, stalled on memory latency.
        float ahead0 = begin < end ? work[at] : 0f;
        float ahead1 = begin + 1 < end ? work[at + step] : 0f;
        float ahead2 = begin + 2 < end ? work[at + 2 * step] : 0f;
        float ahead3 = begin + 3 < end ? work[at + 3 * step] : 0f;
        for (int i = begin; i < end; i++, at += step)
        {
            double x = ahead0;
            ahead0 = ahead1;
            ahead1 = ahead2;
            ahead2 = ahead3;
            ahead3 = i + 4 < end ? work[at + 4 * step] : 0f;
            double y = b00 * x + z00;
            z00 = b01 * x - a01 * y + z01;
            z01 = b02 * x - a02 * y;
            x = y;
            if (n > 1)
            {
                y = b10 * x + z10;
                z10 = b11 * x - a11 * y + z11;
                z11 = b12 * x - a12 * y;
                x = y;
            }
            if (n > 2)
            {
                y = b20 * x + z20;
                z20 = b21 * x - a21 * y + z21;
                z21 = b22 * x - a22 * y;
                x = y;
            }
            if (n > 3)
            {
                y = b30 * x + z30;
                z30 = b31 * x - a31 * y + z31;
                z31 = b32 * x - a32 * y;
                x = y;
            }
            if (run.Phase != 0) work[at] = (float)x;
        }

        if (run.Phase != 0 && segment != run.Segments - 1) return;
        long final = (run.Phase != 0 ? 0L : (long)segment * run.StateRows * run.Channels) + channel;
        finals[final] = z00;
        finals[final + run.Channels] = z01;
        if (n > 1) { finals[final + 2L * run.Channels] = z10; finals[final + 3L * run.Channels] = z11; }
        if (n > 2) { finals[final + 4L * run.Channels] = z20; finals[final + 5L * run.Channels] = z21; }
        if (n > 3) { finals[final + 6L * run.Channels] = z30; finals[final + 7L * run.Channels] = z31; }
    }

    /// <summary>
    /// One thread per channel chains the segments' starts: start[0] = the pass's start, start[p] = Φ · start[p−1] +
    /// zero-state final of segment p−1, where Φ (row-major 8 × 8, zero beyond StateRows) is the sections' state
    /// transition over one segment of zero input. Exact for a linear recursion; sequential over segments only, with the
    /// running state in registers (through memory, each segment waited on its own stores: 1.5 ms on an H100).
    /// </summary>
    public static void SosChainSegmentStarts(Index1D channel, ArrayView<double> zeroStateFinals, ArrayView<double> transition,
        ArrayView<double> initial, ArrayView<double> starts, SosSegments run)
    {
        int rows = run.StateRows;
        long c = run.Channels, stride = rows * c;
        double s0 = initial[channel], s1 = initial[c + channel];
        double s2 = rows > 2 ? initial[2 * c + channel] : 0, s3 = rows > 2 ? initial[3 * c + channel] : 0;
        double s4 = rows > 4 ? initial[4 * c + channel] : 0, s5 = rows > 4 ? initial[5 * c + channel] : 0;
        double s6 = rows > 6 ? initial[6 * c + channel] : 0, s7 = rows > 6 ? initial[7 * c + channel] : 0;
        for (int p = 0; p < run.Segments; p++)
        {
            long at = p * stride + channel;
            if (p > 0)
            {
                long previous = at - stride;
                double n0 = zeroStateFinals[previous] + TransitionRow(transition, 0, s0, s1, s2, s3, s4, s5, s6, s7);
                double n1 = zeroStateFinals[previous + c] + TransitionRow(transition, 1, s0, s1, s2, s3, s4, s5, s6, s7);
                double n2 = rows > 2 ? zeroStateFinals[previous + 2 * c] + TransitionRow(transition, 2, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                double n3 = rows > 2 ? zeroStateFinals[previous + 3 * c] + TransitionRow(transition, 3, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                double n4 = rows > 4 ? zeroStateFinals[previous + 4 * c] + TransitionRow(transition, 4, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                double n5 = rows > 4 ? zeroStateFinals[previous + 5 * c] + TransitionRow(transition, 5, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                double n6 = rows > 6 ? zeroStateFinals[previous + 6 * c] + TransitionRow(transition, 6, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                double n7 = rows > 6 ? zeroStateFinals[previous + 7 * c] + TransitionRow(transition, 7, s0, s1, s2, s3, s4, s5, s6, s7) : 0;
                s0 = n0; s1 = n1; s2 = n2; s3 = n3; s4 = n4; s5 = n5; s6 = n6; s7 = n7;
            }
            starts[at] = s0;
            starts[at + c] = s1;
            if (rows > 2) { starts[at + 2 * c] = s2; starts[at + 3 * c] = s3; }
            if (rows > 4) { starts[at + 4 * c] = s4; starts[at + 5 * c] = s5; }
            if (rows > 6) { starts[at + 6 * c] = s6; starts[at + 7 * c] = s7; }
        }
    }

    /// <summary>Row <paramref name="row"/> of the 8 × 8 transition times the state.</summary>
    private static double TransitionRow(ArrayView<double> transition, int row, double s0, double s1, double s2, double s3,
        double s4, double s5, double s6, double s7)
    {
        int at = 8 * row;
        return transition[at] * s0 + transition[at + 1] * s1 + transition[at + 2] * s2 + transition[at + 3] * s3 +
            transition[at + 4] * s4 + transition[at + 5] * s5 + transition[at + 6] * s6 + transition[at + 7] * s7;
    }

    /// <summary>
    /// One thread per output sample: the FIR filter evaluated only where it is kept, and only over the taps that meet
    /// real input samples (polyphase: every Up-th tap from the phase of k·Down + Delay).
    /// </summary>
    public static void FirResample(Index1D index, ArrayView<float> input, ArrayView<float> output, ArrayView<double> taps, FirResampling shape)
    {
        int channel = index.X / shape.OutputSamples;
        int k = index.X - channel * shape.OutputSamples;
        long rowStart = (long)channel * shape.InputSamples;
        long centre = (long)k * shape.Down + shape.Delay;
        long phase = centre % shape.Up;
        if (phase < 0) phase += shape.Up;
        double sum = 0.0;
        for (long j = phase; j < shape.Taps; j += shape.Up)
        {
            long t = (centre - j) / shape.Up; // exact: centre − j is a multiple of Up
            if (t >= 0 && t < shape.InputSamples) sum += taps[j] * input[rowStart + t];
        }
        output[index] = (float)sum;
    }

    /// <summary>
    /// One thread per channel removes the float64 mean (<paramref name="linear"/> = 0) or least-squares line.
    /// The line is fitted against t − mean(t) so slope and intercept are independent sums.
    /// </summary>
    public static void Detrend(Index1D channel, ArrayView<float> data, int samples, int linear)
    {
        long rowStart = (long)channel.X * samples;
        double mean = 0.0;
        for (int i = 0; i < samples; i++) mean += data[rowStart + i];
        mean /= samples;
        double slope = 0.0;
        double centre = 0.5 * (samples - 1);
        if (linear != 0)
        {
            double cross = 0.0, spread = 0.0;
            for (int i = 0; i < samples; i++)
            {
                double t = i - centre;
                cross += t * (data[rowStart + i] - mean);
                spread += t * t;
            }
            slope = spread > 0.0 ? cross / spread : 0.0;
        }
        for (int i = 0; i < samples; i++)
        {
            data[rowStart + i] = (float)(data[rowStart + i] - mean - slope * (i - centre));
        }
    }

    /// <summary>One thread per sample: data[c, j] ·= weights[j] (tapers, windows), in float64.</summary>
    public static void MultiplyColumns(Index1D index, ArrayView<float> data, ArrayView<double> weights, int columns)
    {
        data[index] = (float)(data[index] * weights[index.X % columns]);
    }
}
