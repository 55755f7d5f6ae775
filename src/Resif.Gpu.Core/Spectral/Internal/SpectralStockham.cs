using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Resif.Gpu.Core.Spectral.Internal;

/// <summary>
/// Mixed-radix Stockham autosort FFT (decimation in frequency, no bit reversal). A stage of radix r on the
/// current length L = r·m with stride s reads x[q + s(p + t·m)] and writes
/// y[q + s(r·p + u)] = W_L^(p·u) · Σ_t x[q + s(p + t·m)] · W_r^(t·u); the next stage works on length m with stride
/// r·s. Buffers alternate between the caller's arrays and a pooled scratch.
/// </summary>
internal sealed class SpectralStockham
{
    private const double Sin60 = 0.86602540378443864676;

    private readonly int _length;
    private readonly int[] _factors;
    private readonly double[][] _twiddleRe, _twiddleIm; // per stage: [p·(r−1) + u − 1] = W_L^(p·u)
    private readonly Dictionary<int, (double[] Re, double[] Im)> _roots = new(); // W_r^k for odd radices

    public SpectralStockham(int length, int[] factors)
    {
        _length = length;
        _factors = factors;
        _twiddleRe = new double[factors.Length][];
        _twiddleIm = new double[factors.Length][];
        int current = length;
        for (int stage = 0; stage < factors.Length; stage++)
        {
            int r = factors[stage], m = current / r;
            var tr = new double[m * (r - 1)];
            var ti = new double[m * (r - 1)];
            for (int p = 0; p < m; p++)
            {
                for (int u = 1; u < r; u++)
                {
                    // Angle reduced modulo L before scaling, so large lengths keep full precision.
                    double angle = -2 * Math.PI * ((long)p * u % current) / current;
                    tr[p * (r - 1) + u - 1] = Math.Cos(angle);
                    ti[p * (r - 1) + u - 1] = Math.Sin(angle);
                }
            }
            _twiddleRe[stage] = tr;
            _twiddleIm[stage] = ti;
            if (r is not (2 or 4) && !_roots.ContainsKey(r))
            {
                var re = new double[r];
                var im = new double[r];
                for (int k = 0; k < r; k++)
                {
                    re[k] = Math.Cos(-2 * Math.PI * k / r);
                    im[k] = Math.Sin(-2 * Math.PI * k / r);
                }
                _roots[r] = (re, im);
            }
            current = m;
        }
    }

    /// <summary>Radices for a length: as many 4s as possible, then 2, 3, 5, 7... (the remaining primes).</summary>
    public static int[] Factorize(int n)
    {
        var factors = new List<int>();
        while (n % 4 == 0) { factors.Add(4); n /= 4; }
        while (n % 2 == 0) { factors.Add(2); n /= 2; }
        for (int p = 3; (long)p * p <= n; p += 2)
        {
            while (n % p == 0) { factors.Add(p); n /= p; }
        }
        if (n > 1) factors.Add(n);
        return factors.ToArray();
    }

    public void Transform(Span<double> re, Span<double> im)
    {
        if (_factors.Length == 0) return; // length 1
        double[] scratchRe = ArrayPool<double>.Shared.Rent(_length), scratchIm = ArrayPool<double>.Shared.Rent(_length);
        try
        {
            Span<double> xr = re, xi = im, yr = scratchRe.AsSpan(0, _length), yi = scratchIm.AsSpan(0, _length);
            int current = _length, stride = 1;
            for (int stage = 0; stage < _factors.Length; stage++)
            {
                int r = _factors[stage], m = current / r;
                // Once the stride is a whole number of SIMD vectors, butterflies run Vector<double>.Count at a time.
                bool vectorised = Vector.IsHardwareAccelerated && stride % Vector<double>.Count == 0;
                switch (vectorised ? -r : r)
                {
                    case -2: VectorRadix2(xr, xi, yr, yi, m, stride, _twiddleRe[stage], _twiddleIm[stage]); break;
                    case -4: VectorRadix4(xr, xi, yr, yi, m, stride, _twiddleRe[stage], _twiddleIm[stage]); break;
                    case < 0: VectorRadixGeneric(xr, xi, yr, yi, m, stride, r, _twiddleRe[stage], _twiddleIm[stage]); break;
                    case 2: Radix2(xr, xi, yr, yi, m, stride, _twiddleRe[stage], _twiddleIm[stage]); break;
                    case 3: Radix3(xr, xi, yr, yi, m, stride, _twiddleRe[stage], _twiddleIm[stage]); break;
                    case 4: Radix4(xr, xi, yr, yi, m, stride, _twiddleRe[stage], _twiddleIm[stage]); break;
                    default: RadixGeneric(xr, xi, yr, yi, m, stride, r, _twiddleRe[stage], _twiddleIm[stage]); break;
                }
                var swapRe = xr; xr = yr; yr = swapRe;
                var swapIm = xi; xi = yi; yi = swapIm;
                current = m;
                stride *= r;
            }
            if (_factors.Length % 2 == 1)
            {
                xr.CopyTo(re);
                xi.CopyTo(im);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratchRe);
            ArrayPool<double>.Shared.Return(scratchIm);
        }
    }

    private static void Radix2(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s,
        double[] twr, double[] twi)
    {
        for (int p = 0; p < m; p++)
        {
            double wr = twr[p], wi = twi[p];
            int in0 = s * p, in1 = s * (p + m), out0 = s * 2 * p, out1 = out0 + s;
            for (int q = 0; q < s; q++)
            {
                double ar = xr[in0 + q], ai = xi[in0 + q], br = xr[in1 + q], bi = xi[in1 + q];
                yr[out0 + q] = ar + br;
                yi[out0 + q] = ai + bi;
                double dr = ar - br, di = ai - bi;
                yr[out1 + q] = dr * wr - di * wi;
                yi[out1 + q] = dr * wi + di * wr;
            }
        }
    }

    private static void Radix3(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s,
        double[] twr, double[] twi)
    {
        for (int p = 0; p < m; p++)
        {
            double w1r = twr[2 * p], w1i = twi[2 * p], w2r = twr[2 * p + 1], w2i = twi[2 * p + 1];
            int in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m), out0 = s * 3 * p;
            for (int q = 0; q < s; q++)
            {
                double a0r = xr[in0 + q], a0i = xi[in0 + q], a1r = xr[in1 + q], a1i = xi[in1 + q], a2r = xr[in2 + q], a2i = xi[in2 + q];
                double sr = a1r + a2r, si = a1i + a2i;
                double tr = a0r - 0.5 * sr, ti = a0i - 0.5 * si;
                double dr = Sin60 * (a1r - a2r), di = Sin60 * (a1i - a2i);
                // y1 = t − i·d, y2 = t + i·d (W_3 = −1/2 − i·√3/2)
                double y1r = tr + di, y1i = ti - dr, y2r = tr - di, y2i = ti + dr;
                yr[out0 + q] = a0r + sr;
                yi[out0 + q] = a0i + si;
                yr[out0 + s + q] = y1r * w1r - y1i * w1i;
                yi[out0 + s + q] = y1r * w1i + y1i * w1r;
                yr[out0 + 2 * s + q] = y2r * w2r - y2i * w2i;
                yi[out0 + 2 * s + q] = y2r * w2i + y2i * w2r;
            }
        }
    }

    private static void Radix4(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s,
        double[] twr, double[] twi)
    {
        for (int p = 0; p < m; p++)
        {
            double w1r = twr[3 * p], w1i = twi[3 * p], w2r = twr[3 * p + 1], w2i = twi[3 * p + 1], w3r = twr[3 * p + 2], w3i = twi[3 * p + 2];
            int in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m), in3 = s * (p + 3 * m), out0 = s * 4 * p;
            for (int q = 0; q < s; q++)
            {
                double a0r = xr[in0 + q], a0i = xi[in0 + q], a1r = xr[in1 + q], a1i = xi[in1 + q];
                double a2r = xr[in2 + q], a2i = xi[in2 + q], a3r = xr[in3 + q], a3i = xi[in3 + q];
                double t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
                double t2r = a1r + a3r, t2i = a1i + a3i;
                double t3r = a1i - a3i, t3i = a3r - a1r; // (a1 − a3)·(−i)
                double y1r = t1r + t3r, y1i = t1i + t3i, y2r = t0r - t2r, y2i = t0i - t2i, y3r = t1r - t3r, y3i = t1i - t3i;
                yr[out0 + q] = t0r + t2r;
                yi[out0 + q] = t0i + t2i;
                yr[out0 + s + q] = y1r * w1r - y1i * w1i;
                yi[out0 + s + q] = y1r * w1i + y1i * w1r;
                yr[out0 + 2 * s + q] = y2r * w2r - y2i * w2i;
                yi[out0 + 2 * s + q] = y2r * w2i + y2i * w2r;
                yr[out0 + 3 * s + q] = y3r * w3r - y3i * w3i;
                yi[out0 + 3 * s + q] = y3r * w3i + y3i * w3r;
            }
        }
    }

    private void RadixGeneric(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s, int r,
        double[] twr, double[] twi)
    {
        var (rootRe, rootIm) = _roots[r];
        Span<double> ar = stackalloc double[r], ai = stackalloc double[r];
        for (int p = 0; p < m; p++)
        {
            for (int q = 0; q < s; q++)
            {
                for (int t = 0; t < r; t++)
                {
                    ar[t] = xr[q + s * (p + t * m)];
                    ai[t] = xi[q + s * (p + t * m)];
                }
                for (int u = 0; u < r; u++)
                {
                    double sr = 0, si = 0;
                    for (int t = 0, k = 0; t < r; t++, k = (k + u) % r)
                    {
                        sr += ar[t] * rootRe[k] - ai[t] * rootIm[k];
                        si += ar[t] * rootIm[k] + ai[t] * rootRe[k];
                    }
                    int at = q + s * (r * p + u);
                    if (u == 0)
                    {
                        yr[at] = sr;
                        yi[at] = si;
                    }
                    else
                    {
                        double wr = twr[p * (r - 1) + u - 1], wi = twi[p * (r - 1) + u - 1];
                        yr[at] = sr * wr - si * wi;
                        yi[at] = sr * wi + si * wr;
                    }
                }
            }
        }
    }

    // (a + ib)·(wr + i·wi) on vectors, with the twiddle broadcast.
    private static (Vector<double> Re, Vector<double> Im) Rotate(Vector<double> re, Vector<double> im, double wr, double wi) =>
        (re * wr - im * wi, re * wi + im * wr);

    // Unchecked vector access: callers only use offsets q + s·(...) with q + Count <= s inside the length.
    private static Vector<double> Load(ReadOnlySpan<double> x, int at) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)at);

    private static void Store(Span<double> yr, Span<double> yi, int at, (Vector<double> Re, Vector<double> Im) value)
    {
        value.Re.StoreUnsafe(ref MemoryMarshal.GetReference(yr), (nuint)at);
        value.Im.StoreUnsafe(ref MemoryMarshal.GetReference(yi), (nuint)at);
    }

    private static void VectorRadix2(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s,
        double[] twr, double[] twi)
    {
        int width = Vector<double>.Count;
        for (int p = 0; p < m; p++)
        {
            int in0 = s * p, in1 = s * (p + m), out0 = s * 2 * p, out1 = out0 + s;
            for (int q = 0; q < s; q += width)
            {
                var ar = Load(xr, in0 + q);
                var ai = Load(xi, in0 + q);
                var br = Load(xr, in1 + q);
                var bi = Load(xi, in1 + q);
                Store(yr, yi, out0 + q, (ar + br, ai + bi));
                Store(yr, yi, out1 + q, Rotate(ar - br, ai - bi, twr[p], twi[p]));
            }
        }
    }

    private static void VectorRadix4(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s,
        double[] twr, double[] twi)
    {
        int width = Vector<double>.Count;
        for (int p = 0; p < m; p++)
        {
            int in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m), in3 = s * (p + 3 * m), out0 = s * 4 * p;
            for (int q = 0; q < s; q += width)
            {
                var a0r = Load(xr, in0 + q);
                var a0i = Load(xi, in0 + q);
                var a1r = Load(xr, in1 + q);
                var a1i = Load(xi, in1 + q);
                var a2r = Load(xr, in2 + q);
                var a2i = Load(xi, in2 + q);
                var a3r = Load(xr, in3 + q);
                var a3i = Load(xi, in3 + q);
                Vector<double> t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
                Vector<double> t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1i - a3i, t3i = a3r - a1r; // (a1 − a3)·(−i)
                Store(yr, yi, out0 + q, (t0r + t2r, t0i + t2i));
                Store(yr, yi, out0 + s + q, Rotate(t1r + t3r, t1i + t3i, twr[3 * p], twi[3 * p]));
                Store(yr, yi, out0 + 2 * s + q, Rotate(t0r - t2r, t0i - t2i, twr[3 * p + 1], twi[3 * p + 1]));
                Store(yr, yi, out0 + 3 * s + q, Rotate(t1r - t3r, t1i - t3i, twr[3 * p + 2], twi[3 * p + 2]));
            }
        }
    }

    private void VectorRadixGeneric(ReadOnlySpan<double> xr, ReadOnlySpan<double> xi, Span<double> yr, Span<double> yi, int m, int s, int r,
        double[] twr, double[] twi)
    {
        var (rootRe, rootIm) = _roots[r];
        int width = Vector<double>.Count;
        var ar = new Vector<double>[r];
        var ai = new Vector<double>[r];
        for (int p = 0; p < m; p++)
        {
            for (int q = 0; q < s; q += width)
            {
                for (int t = 0; t < r; t++)
                {
                    ar[t] = Load(xr, q + s * (p + t * m));
                    ai[t] = Load(xi, q + s * (p + t * m));
                }
                for (int u = 0; u < r; u++)
                {
                    Vector<double> sr = ar[0], si = ai[0];
                    for (int t = 1, k = u; t < r; t++, k = (k + u) % r)
                    {
                        sr += ar[t] * rootRe[k] - ai[t] * rootIm[k];
                        si += ar[t] * rootIm[k] + ai[t] * rootRe[k];
                    }
                    int at = q + s * (r * p + u);
                    Store(yr, yi, at, u == 0 ? (sr, si) : Rotate(sr, si, twr[p * (r - 1) + u - 1], twi[p * (r - 1) + u - 1]));
                }
            }
        }
    }
}
