using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Window lengths in samples for the running-energy detectors.</summary>
internal readonly struct EnergyWindows(int samples, int shortWindow, int longWindow)
{
    public readonly int Samples = samples;
    public readonly int ShortWindow = shortWindow;
    public readonly int LongWindow = longWindow;
}

/// <summary>ILGPU kernels of the detector family: one thread per channel keeps float64 running sums of x².</summary>
internal static class DetectorKernels
{
    /// <summary>Smallest normal double, the floor ObsPy puts under the LTA (numpy's finfo(float64).tiny).</summary>
    private const double TinyLta = 2.2250738585072014E-308;

    /// <summary>
    /// Classic STA/LTA as ObsPy's classic_sta_lta defines it: trailing means of x² over the short and long windows
    /// (partial windows divided by the full length), the ratio zero before the long window first fills.
    /// </summary>
    public static void ClassicStaLta(Index1D channel, ArrayView<float> input, ArrayView<float> output, EnergyWindows w)
    {
        long rowStart = (long)channel.X * w.Samples;
        double shortSum = 0.0, longSum = 0.0;
        for (int i = 0; i < w.Samples; i++)
        {
            double x = input[rowStart + i];
            shortSum += x * x;
            longSum += x * x;
            if (i >= w.ShortWindow)
            {
                double old = input[rowStart + i - w.ShortWindow];
                shortSum -= old * old;
            }
            if (i >= w.LongWindow)
            {
                double old = input[rowStart + i - w.LongWindow];
                longSum -= old * old;
            }
            double lta = Math.Max(longSum / w.LongWindow, TinyLta);
            output[rowStart + i] = i < w.LongWindow - 1 ? 0f : (float)(shortSum / w.ShortWindow / lta);
        }
    }

    /// <summary>Trailing root-mean-square over <see cref="EnergyWindows.ShortWindow"/> samples (fewer at the start).</summary>
    public static void MovingRms(Index1D channel, ArrayView<float> input, ArrayView<float> output, EnergyWindows w)
    {
        long rowStart = (long)channel.X * w.Samples;
        double sum = 0.0;
        for (int i = 0; i < w.Samples; i++)
        {
            double x = input[rowStart + i];
            sum += x * x;
            if (i >= w.ShortWindow)
            {
                double old = input[rowStart + i - w.ShortWindow];
                sum -= old * old;
            }
            int count = Math.Min(i + 1, w.ShortWindow);
            output[rowStart + i] = (float)Math.Sqrt(Math.Max(sum, 0.0) / count);
        }
    }
}
