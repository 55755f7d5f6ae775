using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// A float64 working copy of channel-major rows, each extended by <see cref="Pad"/> samples of odd extension at both
/// ends (SciPy's <c>odd_ext</c>, pad 0 for a plain copy), stored time-major [work sample, channel] so the
/// one-thread-per-channel recursion reads consecutive words across a warp. Work length = <see cref="Samples"/> + 2·Pad.
/// </summary>
internal readonly struct PaddedRows(int channels, int samples, int pad)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Pad = pad;

    public int WorkSamples => Samples + 2 * Pad;
}

/// <summary>
/// One pass of an SOS cascade over float64 work rows: <see cref="Reverse"/> ≠ 0 runs from the last sample back;
/// <see cref="SteadyStart"/> ≠ 0 starts from the steady state times the pass's first sample (SciPy's
/// <c>sosfilt_zi · x[0]</c>) instead of rest; <see cref="CarriedState"/> ≠ 0 starts from the state buffer as it is
/// (a state carried over from the previous time chunk), overriding both.
/// </summary>
internal readonly struct SosPass(int channels, int samples, int sections, int reverse, int steadyStart, int carriedState = 0)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Sections = sections;
    public readonly int Reverse = reverse;
    public readonly int SteadyStart = steadyStart;
    public readonly int CarriedState = carriedState;
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
    /// <summary>One thread per work sample: float32 row → float64 time-major work with odd extension at both ends.</summary>
    public static void ToPaddedWork(Index1D index, ArrayView<float> data, ArrayView<double> work, PaddedRows rows)
    {
        int width = rows.WorkSamples;
        int channel = index.X / width;
        int j = index.X - channel * width - rows.Pad;
        long rowStart = (long)channel * rows.Samples;
        int last = rows.Samples - 1;
        double value =
            j < 0 ? 2.0 * data[rowStart] - data[rowStart - j] :
            j > last ? 2.0 * data[rowStart + last] - data[rowStart + 2 * last - j] :
            data[rowStart + j];
        work[(long)(j + rows.Pad) * rows.Channels + channel] = value;
    }

    /// <summary>One thread per output sample: float64 time-major work without its padding → float32 row.</summary>
    public static void FromPaddedWork(Index1D index, ArrayView<double> work, ArrayView<float> data, PaddedRows rows)
    {
        int channel = index.X / rows.Samples;
        int j = index.X - channel * rows.Samples;
        data[index] = (float)work[(long)(j + rows.Pad) * rows.Channels + channel];
    }

    /// <summary>
    /// One thread per channel runs the whole biquad cascade over its time-major work column in place (transposed
    /// direct form II, float64 like SciPy). Coefficients are [b0 b1 b2 1 a1 a2] per section, already divided by a0;
    /// the state buffer is laid out [section][z0|z1][channel] so neighbouring threads touch neighbouring words, and
    /// holds each channel's final state when the pass ends.
    /// </summary>
    public static void SosCascade(Index1D channel, ArrayView<double> work, ArrayView<double> sos, ArrayView<double> steadyState,
        ArrayView<double> state, SosPass pass)
    {
        if (pass.CarriedState == 0)
        {
            double first = work[(long)(pass.Reverse != 0 ? pass.Samples - 1 : 0) * pass.Channels + channel.X];
            for (int k = 0; k < 2 * pass.Sections; k++)
            {
                state[(long)k * pass.Channels + channel.X] = pass.SteadyStart != 0 ? steadyState[k] * first : 0.0;
            }
        }

        for (int i = 0; i < pass.Samples; i++)
        {
            long at = (long)(pass.Reverse != 0 ? pass.Samples - 1 - i : i) * pass.Channels + channel.X;
            double x = work[at];
            for (int k = 0; k < pass.Sections; k++)
            {
                long z0 = 2L * k * pass.Channels + channel.X;
                long z1 = z0 + pass.Channels;
                int c = 6 * k;
                double y = sos[c] * x + state[z0];
                state[z0] = sos[c + 1] * x - sos[c + 4] * y + state[z1];
                state[z1] = sos[c + 2] * x - sos[c + 5] * y;
                x = y;
            }
            work[at] = x;
        }
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
