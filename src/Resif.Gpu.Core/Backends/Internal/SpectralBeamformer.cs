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

    /// <summary>
    /// Beam power per window for every slowness from the band bins [fmin, fmax] of each window's spectrum:
    /// Σ_f weight_f |mean_c X_c(f) exp(2πi f s offset_c)|² / window², all slownesses of a bin as one complex product.
    /// </summary>
    public void FrequencyPower(double[] slownesses, double fmin, double fmax, float[] output, ParallelOptions options)
    {
        var (firstBin, bins) = BeamSpectra.BandBins(window, sampleInterval, fmin, fmax);
        if (bins == 0) throw new ArgumentException($"no frequency bin of a {window}-sample window lies in [{fmin}, {fmax}] Hz");
        using var spectra = BeamSpectra.Compute(input, channels, samples, window, firstBin, bins, options);
        var scan = new BeamSteeringScan(spectra, offsets, slownesses, 1 / (window * sampleInterval));
        double scale = 1.0 / ((double)channels * channels * window * window);
        Parallel.For(0, scan.Tiles, options, scan.NewScratch, (tile, _, scratch) =>
        {
            scan.Run(tile, scratch, scale, output);
            return scratch;
        }, _ => { });
    }
}
