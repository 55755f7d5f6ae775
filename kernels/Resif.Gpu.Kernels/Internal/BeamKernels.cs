using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Geometry of a slowness scan: record [Channels, Samples], power per window of <see cref="Window"/> samples.</summary>
internal readonly struct BeamScan(int channels, int samples, int window, double sampleInterval)
{
    public readonly int Channels = channels;
    public readonly int Samples = samples;
    public readonly int Window = window;
    public readonly double SampleInterval = sampleInterval;

    public int Windows => Samples / Window;
}

/// <summary>ILGPU kernel of the array family: delay-and-sum beamforming of a linear array.</summary>
internal static class BeamKernels
{
    /// <summary>
    /// One thread per (slowness, window): mean power of the beam b(n) = mean_c x_c(n + s·offset_c/dt), each channel
    /// linearly interpolated between samples and zero outside the record.
    /// </summary>
    public static void TimeDomainPower(Index1D index, ArrayView<float> input, ArrayView<double> offsets, ArrayView<double> slownesses,
        ArrayView<float> power, BeamScan scan)
    {
        int windows = scan.Windows;
        int scanIndex = index.X / windows;
        int window = index.X - scanIndex * windows;
        double slowness = slownesses[scanIndex];
        double sum = 0.0;
        for (int n = window * scan.Window; n < (window + 1) * scan.Window; n++)
        {
            double beam = 0.0;
            for (int c = 0; c < scan.Channels; c++)
            {
                double shift = slowness * offsets[c] / scan.SampleInterval;
                double whole = Math.Floor(shift);
                double fraction = shift - whole;
                long left = n + (long)whole;
                long rowStart = (long)c * scan.Samples;
                double before = left >= 0 && left < scan.Samples ? input[rowStart + left] : 0.0;
                double after = left + 1 >= 0 && left + 1 < scan.Samples ? input[rowStart + left + 1] : 0.0;
                beam += before + fraction * (after - before);
            }
            beam /= scan.Channels;
            sum += beam * beam;
        }
        power[index] = (float)(sum / scan.Window);
    }
}
