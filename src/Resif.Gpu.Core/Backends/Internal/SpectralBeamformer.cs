using System.Numerics.Tensors;
using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Internal;

/// <summary>Delay-and-sum slowness scan of a linear array, in the time or the frequency domain.</summary>
internal sealed class SpectralBeamformer(float[] input, int channels, int samples, double[] offsets, double sampleInterval, int window)
{
    private int Windows => samples / window;

    /// <summary>Beam power per window for one slowness: linear interpolation of each channel at t + s·offset.</summary>
    public void TimePower(double slowness, double[] beam, Span<float> power)
    {
        Array.Clear(beam);
        for (int c = 0; c < channels; c++)
        {
            double shift = slowness * offsets[c] / sampleInterval;
            int whole = (int)Math.Floor(shift);
            double fraction = shift - whole;
            var x = input.AsSpan(c * samples, samples);
            // Sample n reads x[n + whole] and x[n + whole + 1]; outside the record counts as 0.
            int first = Math.Max(0, -whole - 1), last = Math.Min(samples, samples - whole);
            for (int n = first; n < last; n++)
            {
                int j = n + whole;
                double left = j >= 0 ? x[j] : 0, right = j + 1 < samples ? x[j + 1] : 0;
                beam[n] += left + fraction * (right - left);
            }
        }
        double norm = 1.0 / channels;
        for (int w = 0; w < Windows; w++)
        {
            double sum = 0;
            for (int n = w * window; n < (w + 1) * window; n++) sum += beam[n] * norm * beam[n] * norm;
            power[w] = (float)(sum / window);
        }
    }

    /// <summary>FFT of every window of every channel: [window][channel] split-complex spectra.</summary>
    public (double[] Re, double[] Im)[][] WindowSpectra(ParallelOptions options)
    {
        var plan = FftPlan.Get(window);
        var spectra = new (double[] Re, double[] Im)[Windows][];
        for (int w = 0; w < Windows; w++) spectra[w] = new (double[], double[])[channels];
        Parallel.For(0, channels, options, c =>
        {
            for (int w = 0; w < Windows; w++)
            {
                var re = new double[window];
                var im = new double[window];
                var x = input.AsSpan(c * samples + w * window, window);
                for (int n = 0; n < window; n++) re[n] = x[n];
                plan.Forward(re, im);
                spectra[w][c] = (re, im);
            }
        });
        return spectra;
    }

    /// <summary>Beam power per window for one slowness: Σ_f |mean_c X_c(f) exp(2πi f s offset_c)|² / window².</summary>
    public void FrequencyPower((double[] Re, double[] Im)[][] spectra, double slowness, Span<float> power)
    {
        // Steering per channel: cos, sin and −sin of 2π f τ_c, so the complex multiply-accumulate is four fused
        // vector multiply-adds over contiguous frequencies.
        var steerCos = new double[channels][];
        var steerSin = new double[channels][];
        var steerNegSin = new double[channels][];
        for (int c = 0; c < channels; c++)
        {
            double delay = slowness * offsets[c];
            (steerCos[c], steerSin[c], steerNegSin[c]) = (new double[window], new double[window], new double[window]);
            for (int k = 0; k < window; k++)
            {
                // Signed FFT frequencies, as numpy.fft.fftfreq orders them.
                double f = (k <= (window - 1) / 2 ? k : k - window) / (window * sampleInterval);
                double angle = 2 * Math.PI * f * delay;
                steerCos[c][k] = Math.Cos(angle);
                steerSin[c][k] = Math.Sin(angle);
                steerNegSin[c][k] = -steerSin[c][k];
            }
        }
        var beamRe = new double[window];
        var beamIm = new double[window];
        double norm = 1.0 / channels;
        for (int w = 0; w < Windows; w++)
        {
            Array.Clear(beamRe);
            Array.Clear(beamIm);
            for (int c = 0; c < channels; c++)
            {
                var (re, im) = spectra[w][c];
                TensorPrimitives.FusedMultiplyAdd(re, steerCos[c], beamRe, beamRe);
                TensorPrimitives.FusedMultiplyAdd(im, steerNegSin[c], beamRe, beamRe);
                TensorPrimitives.FusedMultiplyAdd(re, steerSin[c], beamIm, beamIm);
                TensorPrimitives.FusedMultiplyAdd(im, steerCos[c], beamIm, beamIm);
            }
            double sum = TensorPrimitives.SumOfSquares<double>(beamRe) + TensorPrimitives.SumOfSquares<double>(beamIm);
            power[w] = (float)(sum * norm * norm / ((double)window * window));
        }
    }
}
