using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using Resif.Gpu.Core.Spectral.Internal;

namespace Resif.Gpu.Core.Spectral;

/// <summary>
/// A complex discrete Fourier transform of one length, computed in float64 on split real/imaginary arrays.
/// Forward is <c>X[k] = sum_j x[j] exp(-2 pi i jk/n)</c> (NumPy's sign); <see cref="Inverse"/> divides by n like
/// <c>numpy.fft.ifft</c>. Lengths whose prime factors are all at most <see cref="MaxRadix"/> use a mixed-radix
/// Stockham autosort transform (radix 4, 2, 3 and a generic odd radix) with precomputed per-stage twiddles; other
/// lengths use Bluestein's chirp-z algorithm on a power-of-two transform. Plans are immutable and thread-safe.
/// </summary>
public sealed class FftPlan
{
    /// <summary>Largest prime factor handled directly; beyond it the O(r²) butterflies lose to Bluestein.</summary>
    public const int MaxRadix = 31;

    private static readonly ConcurrentDictionary<int, FftPlan> Cache = new();

    private readonly SpectralStockham? _stockham;
    private readonly Bluestein? _bluestein;

    private FftPlan(int length)
    {
        Length = length;
        var factors = SpectralStockham.Factorize(length);
        if (factors.All(f => f <= MaxRadix)) _stockham = new SpectralStockham(length, factors);
        else _bluestein = new Bluestein(length);
    }

    public int Length { get; }

    /// <summary>True when the length is transformed through Bluestein's algorithm (a large prime factor).</summary>
    public bool UsesBluestein => _bluestein is not null;

    /// <summary>The shared plan for a length (built once, cached).</summary>
    public static FftPlan Get(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return Cache.GetOrAdd(length, n => new FftPlan(n));
    }

    /// <summary>In-place forward transform of (re, im), both of <see cref="Length"/> values.</summary>
    public void Forward(Span<double> re, Span<double> im)
    {
        if (re.Length != Length || im.Length != Length) throw new ArgumentException($"expected {Length} values");
        if (_bluestein is { } b) b.Transform(re, im);
        else _stockham!.Transform(re, im);
    }

    /// <summary>In-place inverse transform, normalised by 1/n (NumPy's "backward" convention).</summary>
    public void Inverse(Span<double> re, Span<double> im)
    {
        // ifft(x) = conj(fft(conj(x))) / n
        Negate(im);
        Forward(re, im);
        double scale = 1.0 / Length;
        for (int i = 0; i < Length; i++)
        {
            re[i] *= scale;
            im[i] = -im[i] * scale;
        }
    }

    private static void Negate(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = -values[i];
    }

    /// <summary>
    /// Bluestein: jk = (j² + k² − (k−j)²)/2 turns the DFT into a convolution with the chirp exp(i pi m²/n),
    /// done with power-of-two FFTs of length ≥ 2n−1.
    /// </summary>
    private sealed class Bluestein
    {
        private readonly int _n;
        private readonly FftPlan _inner;
        private readonly double[] _chirpRe, _chirpIm;   // exp(-i pi m²/n)
        private readonly double[] _kernelRe, _kernelIm; // FFT of the conjugate chirp, wrapped

        public Bluestein(int n)
        {
            _n = n;
            int m = (int)BitOperations.RoundUpToPowerOf2((uint)(2 * n - 1));
            _inner = Get(m);
            _chirpRe = new double[n];
            _chirpIm = new double[n];
            for (int j = 0; j < n; j++)
            {
                // j² mod 2n keeps the angle small so that large lengths stay exact.
                long square = (long)j * j % (2L * n);
                double angle = -Math.PI * square / n;
                _chirpRe[j] = Math.Cos(angle);
                _chirpIm[j] = Math.Sin(angle);
            }
            _kernelRe = new double[m];
            _kernelIm = new double[m];
            for (int j = 0; j < n; j++)
            {
                _kernelRe[j] = _chirpRe[j];
                _kernelIm[j] = -_chirpIm[j];
                if (j > 0)
                {
                    _kernelRe[m - j] = _chirpRe[j];
                    _kernelIm[m - j] = -_chirpIm[j];
                }
            }
            _inner.Forward(_kernelRe, _kernelIm);
        }

        public void Transform(Span<double> re, Span<double> im)
        {
            int m = _inner.Length;
            double[] aRe = ArrayPool<double>.Shared.Rent(m), aIm = ArrayPool<double>.Shared.Rent(m);
            try
            {
                var ar = aRe.AsSpan(0, m);
                var ai = aIm.AsSpan(0, m);
                for (int j = 0; j < _n; j++)
                {
                    ar[j] = re[j] * _chirpRe[j] - im[j] * _chirpIm[j];
                    ai[j] = re[j] * _chirpIm[j] + im[j] * _chirpRe[j];
                }
                ar[_n..].Clear();
                ai[_n..].Clear();
                _inner.Forward(ar, ai);
                for (int k = 0; k < m; k++)
                {
                    double r = ar[k] * _kernelRe[k] - ai[k] * _kernelIm[k];
                    ai[k] = ar[k] * _kernelIm[k] + ai[k] * _kernelRe[k];
                    ar[k] = r;
                }
                _inner.Inverse(ar, ai);
                for (int k = 0; k < _n; k++)
                {
                    re[k] = ar[k] * _chirpRe[k] - ai[k] * _chirpIm[k];
                    im[k] = ar[k] * _chirpIm[k] + ai[k] * _chirpRe[k];
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(aRe);
                ArrayPool<double>.Shared.Return(aIm);
            }
        }
    }
}
