using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Row length and the short/long window lengths in samples.</summary>
internal readonly struct EnergyWindows(int samples, int shortWindow, int longWindow)
{
    public readonly int Samples = samples;
    public readonly int ShortWindow = shortWindow;
    public readonly int LongWindow = longWindow;
}

/// <summary>ILGPU kernels of the detector family: running float64 sums of x² per channel, and elementwise scaling.</summary>
internal static class DetectorKernels
{
    /// <summary>Smallest normal double: ObsPy's floor under the long-term average (numpy finfo(float64).tiny).</summary>
    private const double SmallestNormal = 2.2250738585072014E-308;

    /// <summary>
    /// ObsPy's classic_sta_lta, one thread per channel: trailing means of x² over the short and long windows
    /// (running sums, clamped at 0 against cancellation), STA zero before the long window first fills, LTA floored
    /// at the smallest normal double so an all-zero stretch gives 0.
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
            double sta = i < w.LongWindow - 1 ? 0.0 : Math.Max(shortSum, 0.0) / w.ShortWindow;
            double lta = Math.Max(Math.Max(longSum, 0.0) / w.LongWindow, SmallestNormal);
            output[rowStart + i] = (float)(sta / lta);
        }
    }

    /// <summary>
    /// ObsPy's recursive_sta_lta, one thread per channel: exponential averages of x² with weights 1/nsta and
    /// 1/nlta starting at rest from sample 1; the first nlta values are zero when the record is longer than nlta,
    /// and so is every value where the LTA is still 0.
    /// </summary>
    public static void RecursiveStaLta(Index1D channel, ArrayView<float> input, ArrayView<float> output, EnergyWindows w)
    {
        long rowStart = (long)channel.X * w.Samples;
        double shortWeight = 1.0 / w.ShortWindow, longWeight = 1.0 / w.LongWindow;
        double sta = 0.0, lta = 0.0;
        bool warmUp = w.LongWindow < w.Samples;
        if (w.Samples > 0) output[rowStart] = 0f;
        for (int i = 1; i < w.Samples; i++)
        {
            double x = input[rowStart + i];
            sta = shortWeight * x * x + (1.0 - shortWeight) * sta;
            lta = longWeight * x * x + (1.0 - longWeight) * lta;
            output[rowStart + i] = (warmUp && i < w.LongWindow) || lta == 0.0 ? 0f : (float)(sta / lta);
        }
    }

    /// <summary>One thread per output: RMS of consecutive non-overlapping windows of <see cref="EnergyWindows.ShortWindow"/> samples.</summary>
    public static void WindowRms(Index1D index, ArrayView<float> input, ArrayView<float> output, EnergyWindows w)
    {
        int windows = w.Samples / w.ShortWindow;
        int channel = index.X / windows;
        int window = index.X - channel * windows;
        long start = (long)channel * w.Samples + (long)window * w.ShortWindow;
        double sum = 0.0;
        for (int i = 0; i < w.ShortWindow; i++)
        {
            double x = input[start + i];
            sum += x * x;
        }
        output[index] = (float)Math.Sqrt(sum / w.ShortWindow);
    }

    public static void Abs(Index1D index, ArrayView<float> data)
    {
        data[index] = Math.Abs(data[index]);
    }

    /// <summary>One thread per channel divides the row by max |x| or by its standard deviation (ddof 0); zero rows stay zero.</summary>
    public static void Normalize(Index1D channel, ArrayView<float> data, int samples, int byStd)
    {
        long rowStart = (long)channel.X * samples;
        double scale = 0.0;
        if (byStd != 0)
        {
            double mean = 0.0;
            for (int i = 0; i < samples; i++) mean += data[rowStart + i];
            mean /= samples;
            double squares = 0.0;
            for (int i = 0; i < samples; i++)
            {
                double d = data[rowStart + i] - mean;
                squares += d * d;
            }
            scale = Math.Sqrt(squares / samples);
        }
        else
        {
            for (int i = 0; i < samples; i++) scale = Math.Max(scale, Math.Abs((double)data[rowStart + i]));
        }
        if (scale == 0.0) return;
        for (int i = 0; i < samples; i++) data[rowStart + i] = (float)(data[rowStart + i] / scale);
    }
}
