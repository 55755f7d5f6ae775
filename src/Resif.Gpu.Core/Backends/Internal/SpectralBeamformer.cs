using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        // Channel by channel into one beam spectrum per window: every pass runs along contiguous frequency bins.
        var steerRe = new double[window];
        var steerIm = new double[window];
        var beamRe = new double[Windows * window];
        var beamIm = new double[Windows * window];
        for (int c = 0; c < channels; c++)
        {
            Steering(slowness * offsets[c], steerRe, steerIm);
            for (int w = 0; w < Windows; w++)
            {
                var (re, im) = spectra[w][c];
                AddProduct(re, im, steerRe, steerIm, beamRe.AsSpan(w * window, window), beamIm.AsSpan(w * window, window));
            }
        }
        double norm = 1.0 / channels;
        for (int w = 0; w < Windows; w++)
        {
            double sum = 0;
            for (int k = w * window; k < (w + 1) * window; k++) sum += beamRe[k] * beamRe[k] + beamIm[k] * beamIm[k];
            power[w] = (float)(sum * norm * norm / ((double)window * window));
        }
    }

    // Bins between exact anchors: a few rotations by a fixed phasor drift by ~1e-15, far below float32 output.
    private const int AnchorSpacing = 32;

    /// <summary>exp(2πi f_k delay) for the signed FFT frequencies f_k (numpy.fft.fftfreq order), by rotation between anchors.</summary>
    private void Steering(double delay, double[] steerRe, double[] steerIm)
    {
        int lastPositive = (window - 1) / 2;
        double radiansPerBin = 2 * Math.PI * delay / (window * sampleInterval);
        var (stepSin, stepCos) = Math.SinCos(radiansPerBin);
        double cos = 1, sin = 0;
        for (int k = 0; k < window; k++)
        {
            if (k % AnchorSpacing == 0 || k == lastPositive + 1)
            {
                (sin, cos) = Math.SinCos(radiansPerBin * (k <= lastPositive ? k : k - window));
            }
            else
            {
                (cos, sin) = (cos * stepCos - sin * stepSin, sin * stepCos + cos * stepSin);
            }
            steerRe[k] = cos;
            steerIm[k] = sin;
        }
    }

    /// <summary>beam += x · steer (complex, split arrays).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddProduct(ReadOnlySpan<double> xRe, ReadOnlySpan<double> xIm, ReadOnlySpan<double> sRe, ReadOnlySpan<double> sIm,
        Span<double> bRe, Span<double> bIm)
    {
        int n = bRe.Length, k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double xr = ref MemoryMarshal.GetReference(xRe), xi = ref MemoryMarshal.GetReference(xIm);
            ref double sr = ref MemoryMarshal.GetReference(sRe), si = ref MemoryMarshal.GetReference(sIm);
            ref double br = ref MemoryMarshal.GetReference(bRe), bi = ref MemoryMarshal.GetReference(bIm);
            for (; k + 4 <= n; k += 4)
            {
                nuint at = (nuint)k;
                var a = Vector256.LoadUnsafe(ref xr, at);
                var b = Vector256.LoadUnsafe(ref xi, at);
                var c = Vector256.LoadUnsafe(ref sr, at);
                var d = Vector256.LoadUnsafe(ref si, at);
                Vector256.FusedMultiplyAdd(a, c, Vector256.LoadUnsafe(ref br, at) - b * d).StoreUnsafe(ref br, at);
                Vector256.FusedMultiplyAdd(a, d, Vector256.FusedMultiplyAdd(b, c, Vector256.LoadUnsafe(ref bi, at))).StoreUnsafe(ref bi, at);
            }
        }
        for (; k < n; k++)
        {
            bRe[k] += xRe[k] * sRe[k] - xIm[k] * sIm[k];
            bIm[k] += xRe[k] * sIm[k] + xIm[k] * sRe[k];
        }
    }
}
