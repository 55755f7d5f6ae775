using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Shape of an in-place SOS pass: <see cref="Reverse"/> ≠ 0 runs the channel from its last sample back.</summary>
internal readonly struct SosPass(int channels, int samples, int sections, int reverse)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Sections = sections;
    public readonly int Reverse = reverse;
}

/// <summary>y[c, k] = Σ_j taps[j] · x[c, k·Factor + Delay − j], samples outside the input read as zero.</summary>
internal readonly struct FirDecimation(int channels, int inputSamples, int outputSamples, int factor, int delay, int taps)
{
    public readonly int Channels = channels;
    public readonly int InputSamples = inputSamples;
    public readonly int OutputSamples = outputSamples;
    public readonly int Factor = factor;
    public readonly int Delay = delay;
    public readonly int Taps = taps;
}

/// <summary>ILGPU kernels of the filter family: data are channel-major float32 [channel, sample].</summary>
internal static class FilterKernels
{
    /// <summary>
    /// One thread per channel runs the whole biquad cascade in place (transposed direct form II, float64 state so a
    /// narrow band-pass keeps SciPy's accuracy). Coefficients are [b0 b1 b2 1 a1 a2] per section, normalised by a0;
    /// the state buffer is laid out [section][z0|z1][channel] so neighbouring threads touch neighbouring words.
    /// </summary>
    public static void SosCascade(Index1D channel, ArrayView<float> data, ArrayView<double> sos, ArrayView<double> state, SosPass pass)
    {
        long rowStart = (long)channel.X * pass.Samples;
        for (int k = 0; k < 2 * pass.Sections; k++) state[(long)k * pass.Channels + channel.X] = 0.0;

        for (int i = 0; i < pass.Samples; i++)
        {
            long at = rowStart + (pass.Reverse != 0 ? pass.Samples - 1 - i : i);
            double x = data[at];
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
            data[at] = (float)x;
        }
    }

    /// <summary>One thread per output sample: FIR filter evaluated only where it is kept (polyphase decimation).</summary>
    public static void FirDecimate(Index1D index, ArrayView<float> input, ArrayView<float> output, ArrayView<double> taps, FirDecimation shape)
    {
        int channel = index.X / shape.OutputSamples;
        int k = index.X - channel * shape.OutputSamples;
        long rowStart = (long)channel * shape.InputSamples;
        long centre = (long)k * shape.Factor + shape.Delay;
        double sum = 0.0;
        for (int j = 0; j < shape.Taps; j++)
        {
            long t = centre - j;
            if (t >= 0 && t < shape.InputSamples) sum += taps[j] * input[rowStart + t];
        }
        output[index] = (float)sum;
    }

    /// <summary>|x| in place, one thread per sample.</summary>
    public static void Abs(Index1D index, ArrayView<float> data)
    {
        data[index] = Math.Abs(data[index]);
    }
}
