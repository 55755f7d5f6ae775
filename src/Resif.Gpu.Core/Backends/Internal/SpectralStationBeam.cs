using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// ObsPy <c>array_processing</c> for one window: tapered spectra, cross-spectral matrices, Bartlett or Capon
/// power over the slowness grid. Steering vectors are shared by all windows.
/// </summary>
internal sealed class SpectralStationBeam
{
    private readonly int _stations, _grid, _bins, _firstBin, _window, _nfft;
    private readonly bool _capon, _prewhiten;
    private readonly double[] _taper;
    private readonly double[] _steerRe, _steerIm; // [bin, grid point, station]

    public SpectralStationBeam(int stations, float[] timeShifts, int gridPoints, int window, int nfft, int firstBin, int binCount,
        float binWidth, bool capon, bool prewhiten)
    {
        (_stations, _grid, _bins, _firstBin, _window, _nfft, _capon, _prewhiten) =
            (stations, gridPoints, binCount, firstBin, window, nfft, capon, prewhiten);
        _taper = CosineTaper(window, 0.22);
        _steerRe = new double[binCount * gridPoints * stations];
        _steerIm = new double[_steerRe.Length];
        for (int n = 0; n < binCount; n++)
        {
            for (int g = 0; g < gridPoints; g++)
            {
                for (int i = 0; i < stations; i++)
                {
                    // ObsPy computes the phase in double from a float32 frequency step and float32 time shifts.
                    double phase = 2 * Math.PI * (firstBin + n) * (double)binWidth * timeShifts[i * gridPoints + g];
                    int at = (n * gridPoints + g) * stations + i;
                    _steerRe[at] = Math.Cos(phase);
                    _steerIm[at] = -Math.Sin(phase);
                }
            }
        }
    }

    /// <summary>ObsPy <c>cosine_taper(npts, p)</c> with half-cosine ramps of int(npts·p/2 + 0.5) samples.</summary>
    public static double[] CosineTaper(int npts, double p)
    {
        int frac = (int)(npts * p / 2 + 0.5);
        int idx2 = frac - 1, idx3 = npts - frac, idx4 = npts - 1;
        if (idx2 == 0) idx2 = 1;
        if (idx3 == idx4) idx3--;
        var taper = new double[npts];
        for (int k = 0; k < npts; k++)
        {
            taper[k] = k <= idx2 ? 0.5 * (1 - Math.Cos(Math.PI * k / idx2))
                : k < idx3 ? 1
                : 0.5 * (1 + Math.Cos(Math.PI * (idx3 - k) / (idx4 - idx3)));
        }
        return taper;
    }

    /// <summary>Relative and absolute power maps of the window starting at <paramref name="start"/>.</summary>
    public void Window(float[] input, int samples, int start, Span<float> relativePower, Span<float> absolutePower)
    {
        int s = _stations, f = _bins;
        var (re, im) = CrossSpectra(input, samples, start, out double dpow);
        if (_capon)
        {
            var blockRe = new double[s * s];
            var blockIm = new double[s * s];
            for (int n = 0; n < f; n++)
            {
                Array.Copy(re, n * s * s, blockRe, 0, s * s);
                Array.Copy(im, n * s * s, blockIm, 0, s * s);
                SpectralLinearAlgebra.HermitianPseudoInverse(blockRe, blockIm, s, 1e-6);
                Array.Copy(blockRe, 0, re, n * s * s, s * s);
                Array.Copy(blockIm, 0, im, n * s * s, s * s);
            }
            dpow = 1;
        }

        var power = new double[f * _grid];
        var white = new double[f];
        var absolute = new double[_grid];
        for (int n = 0; n < f; n++)
        {
            for (int g = 0; g < _grid; g++)
            {
                int steer = (n * _grid + g) * s;
                double sumRe = 0, sumIm = 0;
                for (int i = 0; i < s; i++)
                {
                    double rowRe = 0, rowIm = 0;
                    for (int j = 0; j < s; j++)
                    {
                        double rr = re[(n * s + i) * s + j], ri = im[(n * s + i) * s + j];
                        double er = _steerRe[steer + j], ei = _steerIm[steer + j];
                        rowRe += rr * er - ri * ei;
                        rowIm += ri * er + rr * ei;
                    }
                    double cr = _steerRe[steer + i], ci = -_steerIm[steer + i]; // conj(e_i)
                    sumRe += cr * rowRe - ci * rowIm;
                    sumIm += cr * rowIm + ci * rowRe;
                }
                double p = Math.Sqrt(sumRe * sumRe + sumIm * sumIm);
                if (_capon) p = 1 / p;
                power[n * _grid + g] = p;
                absolute[g] += p;
                white[n] = Math.Max(white[n], p);
            }
        }
        for (int g = 0; g < _grid; g++)
        {
            double relative = 0;
            if (_prewhiten)
            {
                for (int n = 0; n < f; n++) relative += power[n * _grid + g] / (white[n] * f * s);
            }
            else
            {
                relative = absolute[g] / dpow;
            }
            relativePower[g] = (float)relative;
            absolutePower[g] = (float)absolute[g];
        }
    }

    // R_ij(f) = X_i(f) conj(X_j(f)) over the band, Capon-normalised by |Σ_f R_ij|; dpow = nstat·Σ_i |Σ_f R_ii|.
    private (double[] Re, double[] Im) CrossSpectra(float[] input, int samples, int start, out double dpow)
    {
        int s = _stations, f = _bins;
        var plan = FftPlan.Get(_nfft);
        var spectraRe = new double[s * f];
        var spectraIm = new double[s * f];
        var re = new double[_nfft];
        var im = new double[_nfft];
        for (int i = 0; i < s; i++)
        {
            var x = input.AsSpan(i * samples + start, _window);
            double mean = 0;
            foreach (float v in x) mean += v;
            mean /= _window;
            Array.Clear(re);
            Array.Clear(im);
            for (int k = 0; k < _window; k++) re[k] = (x[k] - mean) * _taper[k];
            plan.Forward(re, im);
            Array.Copy(re, _firstBin, spectraRe, i * f, f);
            Array.Copy(im, _firstBin, spectraIm, i * f, f);
        }

        var rRe = new double[f * s * s];
        var rIm = new double[f * s * s];
        dpow = 0;
        for (int i = 0; i < s; i++)
        {
            for (int j = i; j < s; j++)
            {
                double totalRe = 0, totalIm = 0;
                for (int n = 0; n < f; n++)
                {
                    double ar = spectraRe[i * f + n], ai = spectraIm[i * f + n], br = spectraRe[j * f + n], bi = spectraIm[j * f + n];
                    double cr = ar * br + ai * bi, ci = ai * br - ar * bi;
                    rRe[(n * s + i) * s + j] = cr;
                    rIm[(n * s + i) * s + j] = ci;
                    totalRe += cr;
                    totalIm += ci;
                }
                double magnitude = Math.Sqrt(totalRe * totalRe + totalIm * totalIm);
                for (int n = 0; n < f; n++)
                {
                    int ij = (n * s + i) * s + j, ji = (n * s + j) * s + i;
                    if (_capon)
                    {
                        rRe[ij] /= magnitude;
                        rIm[ij] /= magnitude;
                    }
                    rRe[ji] = rRe[ij];
                    rIm[ji] = -rIm[ij];
                }
                if (i == j) dpow += _capon ? 1 : magnitude;
            }
        }
        dpow *= s;
        return (rRe, rIm);
    }
}
