using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Float32 complex FFT of one length applied to <see cref="Lanes"/> independent sequences at once: element j of
/// lane l sits at <c>j · Lanes + l</c> of split real/imaginary arrays, so every butterfly works on whole
/// <see cref="Vector256{T}"/> values (lanes = different rows or columns) without shuffles. Mixed-radix Stockham
/// autosort (radix 8, 4, 2, 3, 5 and a generic odd radix up to <see cref="MaxRadix"/>); lengths with a larger prime
/// factor go through Bluestein's chirp-z algorithm on a power-of-two transform. Twiddles are computed in float64
/// and stored as float32. Plans are immutable, cached per length and thread-safe; callers pass the scratch.
/// </summary>
internal sealed class FftBatchPlan
{
    /// <summary>Sequences per batch: the float32 lanes of a 256-bit vector (Zen 4 runs 512-bit ops as two halves anyway).</summary>
    public const int Lanes = 8;

    /// <summary>Largest prime factor transformed directly; beyond it the O(r²) butterfly loses to Bluestein.</summary>
    public const int MaxRadix = 31;

    /// <summary>
    /// Whether passes with an even stride run on 512-bit registers (two butterflies per instruction). Zen 4
    /// double-pumps them, so the gain is fewer instructions and twiddle broadcasts; settable so that tests cover
    /// both widths on one machine (the results are bit-identical: same operations per element).
    /// </summary>
    public static bool UseVector512 { get; set; } = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly ConcurrentDictionary<int, FftBatchPlan> Cache = new();

    private readonly FftStage[] _stages = [];
    private readonly FftBatchBluestein? _bluestein;

    private FftBatchPlan(int length)
    {
        Length = length;
        var factors = Factorize(length);
        if (factors.Count > 0 && factors.Max() > MaxRadix)
        {
            _bluestein = new FftBatchBluestein(length);
            ScratchFloats = _bluestein.ScratchFloats;
            ScratchImOffset = BatchFloats; // unused: the inner plan splits its own scratch
            return;
        }
        _stages = new FftStage[factors.Count];
        int stride = 1, subLength = length;
        for (int i = 0; i < factors.Count; i++)
        {
            _stages[i] = new FftStage(factors[i], subLength, stride);
            stride *= factors[i];
            subLength /= factors[i];
        }
        ScratchImOffset = BatchFloats + HalfPageApart(BatchFloats);
        ScratchFloats = ScratchImOffset + BatchFloats;
    }

    public int Length { get; }

    /// <summary>Floats of scratch that <see cref="Forward"/> needs.</summary>
    public int ScratchFloats { get; }

    /// <summary>
    /// Where the imaginary half of the scratch starts: after the real half and a pad putting the two halves half a
    /// 4 KiB page apart, so that a pass reading both at the same index does not fill one set of the L1 cache with
    /// both (power-of-two lengths would otherwise read 2·radix streams that all map to one set).
    /// </summary>
    public int ScratchImOffset { get; }

    /// <summary>Floats to add to <paramref name="floats"/> so that the sum is half a 4 KiB page past a page multiple.</summary>
    public static int HalfPageApart(int floats) => ((PageFloats / 2 - floats % PageFloats) % PageFloats + PageFloats) % PageFloats;

    private const int PageFloats = 4096 / sizeof(float);

    /// <summary>Floats one lane-major split array of this length holds (re or im).</summary>
    public int BatchFloats => Lanes * Length;

    public bool UsesBluestein => _bluestein is not null;

    public static FftBatchPlan Get(int length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "FFT length must be at least 1");
        return Cache.GetOrAdd(length, n => new FftBatchPlan(n));
    }

    /// <summary>In-place forward transform (exp(−2πi jk/n)) of the <see cref="Lanes"/> sequences in re/im.</summary>
    public void Forward(Span<float> re, Span<float> im, Span<float> scratch)
    {
        if (_bluestein is not null)
        {
            _bluestein.Forward(re, im, scratch);
            return;
        }
        int n = BatchFloats;
        Span<float> workRe = scratch[..n], workIm = scratch.Slice(ScratchImOffset, n);
        bool inWork = false;
        foreach (var stage in _stages)
        {
            if (inWork) stage.Run(workRe, workIm, re, im);
            else stage.Run(re, im, workRe, workIm);
            inWork = !inWork;
        }
        if (inWork)
        {
            workRe.CopyTo(re);
            workIm.CopyTo(im);
        }
    }

    /// <summary>In-place inverse transform without the 1/n factor: a forward transform of (im, re) swapped.</summary>
    public void InverseUnscaled(Span<float> re, Span<float> im, Span<float> scratch) => Forward(im, re, scratch);

    /// <summary>
    /// Prime factors with the 2s merged into 8s and 4s (fewer passes over the data; 2⁴ as 4·4, not 8·2, same
    /// passes with cheaper butterflies), largest radix first.
    /// </summary>
    private static List<int> Factorize(int n)
    {
        var factors = new List<int>();
        int twos = BitOperations.TrailingZeroCount(n);
        n >>= twos;
        int fours = twos % 3 == 2 ? 1 : twos % 3 == 1 && twos > 1 ? 2 : 0;
        int eights = (twos - 2 * fours) / 3;
        factors.AddRange(Enumerable.Repeat(8, eights));
        factors.AddRange(Enumerable.Repeat(4, fours));
        if (twos - 3 * eights - 2 * fours == 1) factors.Add(2);
        for (int p = 3; p * p <= n; p += 2)
        {
            while (n % p == 0)
            {
                factors.Add(p);
                n /= p;
            }
        }
        if (n > 1) factors.Add(n);
        return factors;
    }
}

/// <summary>
/// One decimation-in-frequency Stockham pass: for sub-length L = radix · m and stride s, reads
/// <c>x[q + s(p + r m)]</c>, writes the radix-point DFT times <c>exp(−2πi pk/L)</c> to <c>y[q + s(radix·p + k)]</c>.
/// </summary>
internal sealed class FftStage
{
    private readonly int _radix, _m, _stride;

    // Per p: (radix − 1) twiddles exp(−2πi pk/L), k = 1..radix−1, as (re, im) pairs.
    private readonly float[] _twiddles;

    // Generic odd radix: cos/sin(2π jk/radix) for j, k < radix.
    private readonly float[] _cos = [], _sin = [];

    public FftStage(int radix, int subLength, int stride)
    {
        _radix = radix;
        _m = subLength / radix;
        _stride = stride;
        _twiddles = new float[2 * (radix - 1) * _m];
        for (int p = 0; p < _m; p++)
        {
            for (int k = 1; k < radix; k++)
            {
                double angle = -2 * Math.PI * ((long)p * k % subLength) / subLength;
                int at = 2 * (p * (radix - 1) + k - 1);
                _twiddles[at] = (float)Math.Cos(angle);
                _twiddles[at + 1] = (float)Math.Sin(angle);
            }
        }
        if (radix is not (2 or 3 or 4 or 5 or 8))
        {
            _cos = new float[radix * radix];
            _sin = new float[radix * radix];
            for (int j = 0; j < radix; j++)
            {
                for (int k = 0; k < radix; k++)
                {
                    double angle = 2 * Math.PI * (j * k % radix) / radix;
                    _cos[j * radix + k] = (float)Math.Cos(angle);
                    _sin[j * radix + k] = (float)Math.Sin(angle);
                }
            }
        }
    }

    public void Run(Span<float> xRe, Span<float> xIm, Span<float> yRe, Span<float> yIm)
    {
        // A 512-bit value holds butterflies q and q + 1 (adjacent 8-lane groups, same twiddles), so it needs an even stride.
        if (FftBatchPlan.UseVector512 && _stride % 2 == 0) Run<FftVector16>(xRe, xIm, yRe, yIm);
        else Run<FftVector8>(xRe, xIm, yRe, yIm);
    }

    private void Run<TV>(Span<float> xRe, Span<float> xIm, Span<float> yRe, Span<float> yIm) where TV : unmanaged, IFftVector<TV>
    {
        int elements = _radix * _m * _stride * FftBatchPlan.Lanes;
        if (xRe.Length < elements || yRe.Length < elements || xIm.Length < elements || yIm.Length < elements)
            throw new ArgumentException("FFT buffers shorter than the transform");
        ref var x0 = ref Unsafe.As<float, TV>(ref MemoryMarshal.GetReference(xRe));
        ref var x1 = ref Unsafe.As<float, TV>(ref MemoryMarshal.GetReference(xIm));
        ref var y0 = ref Unsafe.As<float, TV>(ref MemoryMarshal.GetReference(yRe));
        ref var y1 = ref Unsafe.As<float, TV>(ref MemoryMarshal.GetReference(yIm));
        int s = _stride / TV.Groups; // in units of TV
        switch (_radix)
        {
            case 2: Radix2(ref x0, ref x1, ref y0, ref y1, s); break;
            case 3: Radix3(ref x0, ref x1, ref y0, ref y1, s); break;
            case 4: Radix4(ref x0, ref x1, ref y0, ref y1, s); break;
            case 5: Radix5(ref x0, ref x1, ref y0, ref y1, s); break;
            case 8: Radix8(ref x0, ref x1, ref y0, ref y1, s); break;
            default: RadixOdd(ref x0, ref x1, ref y0, ref y1, s); break;
        }
    }

    /// <summary>(re, im) times (wr, wi), twiddles broadcast once per butterfly group rather than per butterfly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Twiddle<TV>(ref TV re, ref TV im, TV wr, TV wi) where TV : unmanaged, IFftVector<TV>
    {
        var r = TV.MulSub(re, wr, im * wi);
        im = TV.Mad(re, wi, im * wr);
        re = r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Twiddle<TV>(ref TV re, ref TV im, float wr, float wi) where TV : unmanaged, IFftVector<TV> =>
        Twiddle(ref re, ref im, TV.Broadcast(wr), TV.Broadcast(wi));

    private void Radix2<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        int half = s * _m;
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            var wr = TV.Broadcast(_twiddles[2 * p]);
            var wi = TV.Broadcast(_twiddles[2 * p + 1]);
            int input = s * p, output = 2 * s * p;
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                var ar = Unsafe.Add(ref xr, i); var ai = Unsafe.Add(ref xi, i);
                var br = Unsafe.Add(ref xr, i + half); var bi = Unsafe.Add(ref xi, i + half);
                Unsafe.Add(ref yr, o) = ar + br;
                Unsafe.Add(ref yi, o) = ai + bi;
                var dr = ar - br; var di = ai - bi;
                if (rotate) Twiddle(ref dr, ref di, wr, wi);
                Unsafe.Add(ref yr, o + s) = dr;
                Unsafe.Add(ref yi, o + s) = di;
            }
        }
    }

    private void Radix3<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        var sin60 = TV.Broadcast(0.8660254037844386f);
        var half = TV.Broadcast(0.5f);
        int third = s * _m;
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            int t = 4 * p;
            var w1r = TV.Broadcast(_twiddles[t]); var w1i = TV.Broadcast(_twiddles[t + 1]);
            var w2r = TV.Broadcast(_twiddles[t + 2]); var w2i = TV.Broadcast(_twiddles[t + 3]);
            int input = s * p, output = 3 * s * p;
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                var ar = Unsafe.Add(ref xr, i); var ai = Unsafe.Add(ref xi, i);
                var br = Unsafe.Add(ref xr, i + third); var bi = Unsafe.Add(ref xi, i + third);
                var cr = Unsafe.Add(ref xr, i + 2 * third); var ci = Unsafe.Add(ref xi, i + 2 * third);
                var sr = br + cr; var si = bi + ci;
                var dr = (br - cr) * sin60; var di = (bi - ci) * sin60;
                var mr = TV.NegMad(sr, half, ar); var mi = TV.NegMad(si, half, ai);
                Unsafe.Add(ref yr, o) = ar + sr;
                Unsafe.Add(ref yi, o) = ai + si;
                // y1 = m − i·d, y2 = m + i·d
                var y1r = mr + di; var y1i = mi - dr;
                var y2r = mr - di; var y2i = mi + dr;
                if (rotate) Twiddle(ref y1r, ref y1i, w1r, w1i);
                if (rotate) Twiddle(ref y2r, ref y2i, w2r, w2i);
                Unsafe.Add(ref yr, o + s) = y1r; Unsafe.Add(ref yi, o + s) = y1i;
                Unsafe.Add(ref yr, o + 2 * s) = y2r; Unsafe.Add(ref yi, o + 2 * s) = y2i;
            }
        }
    }

    private void Radix4<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        int quarter = s * _m;
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            int t = 6 * p;
            var w1r = TV.Broadcast(_twiddles[t]); var w1i = TV.Broadcast(_twiddles[t + 1]);
            var w2r = TV.Broadcast(_twiddles[t + 2]); var w2i = TV.Broadcast(_twiddles[t + 3]);
            var w3r = TV.Broadcast(_twiddles[t + 4]); var w3i = TV.Broadcast(_twiddles[t + 5]);
            int input = s * p, output = 4 * s * p;
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                var a0r = Unsafe.Add(ref xr, i); var a0i = Unsafe.Add(ref xi, i);
                var a1r = Unsafe.Add(ref xr, i + quarter); var a1i = Unsafe.Add(ref xi, i + quarter);
                var a2r = Unsafe.Add(ref xr, i + 2 * quarter); var a2i = Unsafe.Add(ref xi, i + 2 * quarter);
                var a3r = Unsafe.Add(ref xr, i + 3 * quarter); var a3i = Unsafe.Add(ref xi, i + 3 * quarter);
                var t0r = a0r + a2r; var t0i = a0i + a2i;
                var t1r = a0r - a2r; var t1i = a0i - a2i;
                var t2r = a1r + a3r; var t2i = a1i + a3i;
                var t3r = a1r - a3r; var t3i = a1i - a3i;
                Unsafe.Add(ref yr, o) = t0r + t2r;
                Unsafe.Add(ref yi, o) = t0i + t2i;
                // y1 = t1 − i·t3, y2 = t0 − t2, y3 = t1 + i·t3
                var y1r = t1r + t3i; var y1i = t1i - t3r;
                var y2r = t0r - t2r; var y2i = t0i - t2i;
                var y3r = t1r - t3i; var y3i = t1i + t3r;
                if (rotate) Twiddle(ref y1r, ref y1i, w1r, w1i);
                if (rotate) Twiddle(ref y2r, ref y2i, w2r, w2i);
                if (rotate) Twiddle(ref y3r, ref y3i, w3r, w3i);
                Unsafe.Add(ref yr, o + s) = y1r; Unsafe.Add(ref yi, o + s) = y1i;
                Unsafe.Add(ref yr, o + 2 * s) = y2r; Unsafe.Add(ref yi, o + 2 * s) = y2i;
                Unsafe.Add(ref yr, o + 3 * s) = y3r; Unsafe.Add(ref yi, o + 3 * s) = y3i;
            }
        }
    }

    private void Radix5<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        var c1 = TV.Broadcast((float)Math.Cos(2 * Math.PI / 5)); var c2 = TV.Broadcast((float)Math.Cos(4 * Math.PI / 5));
        var s1 = TV.Broadcast((float)Math.Sin(2 * Math.PI / 5)); var s2 = TV.Broadcast((float)Math.Sin(4 * Math.PI / 5));
        int fifth = s * _m;
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            int t = 8 * p;
            var w1r = TV.Broadcast(_twiddles[t]); var w1i = TV.Broadcast(_twiddles[t + 1]);
            var w2r = TV.Broadcast(_twiddles[t + 2]); var w2i = TV.Broadcast(_twiddles[t + 3]);
            var w3r = TV.Broadcast(_twiddles[t + 4]); var w3i = TV.Broadcast(_twiddles[t + 5]);
            var w4r = TV.Broadcast(_twiddles[t + 6]); var w4i = TV.Broadcast(_twiddles[t + 7]);
            int input = s * p, output = 5 * s * p;
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                var a0r = Unsafe.Add(ref xr, i); var a0i = Unsafe.Add(ref xi, i);
                var a1r = Unsafe.Add(ref xr, i + fifth); var a1i = Unsafe.Add(ref xi, i + fifth);
                var a2r = Unsafe.Add(ref xr, i + 2 * fifth); var a2i = Unsafe.Add(ref xi, i + 2 * fifth);
                var a3r = Unsafe.Add(ref xr, i + 3 * fifth); var a3i = Unsafe.Add(ref xi, i + 3 * fifth);
                var a4r = Unsafe.Add(ref xr, i + 4 * fifth); var a4i = Unsafe.Add(ref xi, i + 4 * fifth);
                var b1r = a1r + a4r; var b1i = a1i + a4i;
                var b4r = a1r - a4r; var b4i = a1i - a4i;
                var b2r = a2r + a3r; var b2i = a2i + a3i;
                var b3r = a2r - a3r; var b3i = a2i - a3i;
                Unsafe.Add(ref yr, o) = a0r + b1r + b2r;
                Unsafe.Add(ref yi, o) = a0i + b1i + b2i;
                var r1r = TV.Mad(b2r, c2, TV.Mad(b1r, c1, a0r)); var r1i = TV.Mad(b2i, c2, TV.Mad(b1i, c1, a0i));
                var r2r = TV.Mad(b2r, c1, TV.Mad(b1r, c2, a0r)); var r2i = TV.Mad(b2i, c1, TV.Mad(b1i, c2, a0i));
                var i1r = TV.Mad(b3r, s2, b4r * s1); var i1i = TV.Mad(b3i, s2, b4i * s1);
                var i2r = TV.NegMad(b3r, s1, b4r * s2); var i2i = TV.NegMad(b3i, s1, b4i * s2);
                // y1 = r1 − i·i1, y4 = r1 + i·i1, y2 = r2 − i·i2, y3 = r2 + i·i2
                var y1r = r1r + i1i; var y1i = r1i - i1r;
                var y4r = r1r - i1i; var y4i = r1i + i1r;
                var y2r = r2r + i2i; var y2i = r2i - i2r;
                var y3r = r2r - i2i; var y3i = r2i + i2r;
                if (rotate) Twiddle(ref y1r, ref y1i, w1r, w1i);
                if (rotate) Twiddle(ref y2r, ref y2i, w2r, w2i);
                if (rotate) Twiddle(ref y3r, ref y3i, w3r, w3i);
                if (rotate) Twiddle(ref y4r, ref y4i, w4r, w4i);
                Unsafe.Add(ref yr, o + s) = y1r; Unsafe.Add(ref yi, o + s) = y1i;
                Unsafe.Add(ref yr, o + 2 * s) = y2r; Unsafe.Add(ref yi, o + 2 * s) = y2i;
                Unsafe.Add(ref yr, o + 3 * s) = y3r; Unsafe.Add(ref yi, o + 3 * s) = y3i;
                Unsafe.Add(ref yr, o + 4 * s) = y4r; Unsafe.Add(ref yi, o + 4 * s) = y4i;
            }
        }
    }

    /// <summary>4-point DFT (exp(−2πi jk/4)) of a0..a3 into y0..y3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dft4<TV>(TV a0r, TV a0i, TV a1r, TV a1i,
        TV a2r, TV a2i, TV a3r, TV a3i,
        out TV y0r, out TV y0i, out TV y1r, out TV y1i,
        out TV y2r, out TV y2i, out TV y3r, out TV y3i) where TV : unmanaged, IFftVector<TV>
    {
        var t0r = a0r + a2r; var t0i = a0i + a2i;
        var t1r = a0r - a2r; var t1i = a0i - a2i;
        var t2r = a1r + a3r; var t2i = a1i + a3i;
        var t3r = a1r - a3r; var t3i = a1i - a3i;
        y0r = t0r + t2r; y0i = t0i + t2i;
        y1r = t1r + t3i; y1i = t1i - t3r;
        y2r = t0r - t2r; y2i = t0i - t2i;
        y3r = t1r - t3i; y3i = t1i + t3r;
    }

    /// <summary>
    /// Radix 8 as two 4-point DFTs of the even and odd inputs: y_k = E_k + W⁸ᵏ O_k, y_{k+4} = E_k − W⁸ᵏ O_k
    /// (W⁸ = exp(−2πi/8); W⁸¹ = (1 − i)/√2, W⁸² = −i, W⁸³ = −(1 + i)/√2).
    /// </summary>
    private void Radix8<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        int eighth = s * _m;
        // This p's seven twiddles, broadcast once for its s butterflies.
        Span<TV> w = stackalloc TV[14];
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            int input = s * p, output = 8 * s * p;
            if (rotate)
            {
                for (int k = 0; k < 14; k++) w[k] = TV.Broadcast(_twiddles[14 * p + k]);
            }
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                Dft4(Unsafe.Add(ref xr, i), Unsafe.Add(ref xi, i), Unsafe.Add(ref xr, i + 2 * eighth), Unsafe.Add(ref xi, i + 2 * eighth),
                    Unsafe.Add(ref xr, i + 4 * eighth), Unsafe.Add(ref xi, i + 4 * eighth), Unsafe.Add(ref xr, i + 6 * eighth), Unsafe.Add(ref xi, i + 6 * eighth),
                    out var e0r, out var e0i, out var e1r, out var e1i, out var e2r, out var e2i, out var e3r, out var e3i);
                Dft4(Unsafe.Add(ref xr, i + eighth), Unsafe.Add(ref xi, i + eighth), Unsafe.Add(ref xr, i + 3 * eighth), Unsafe.Add(ref xi, i + 3 * eighth),
                    Unsafe.Add(ref xr, i + 5 * eighth), Unsafe.Add(ref xi, i + 5 * eighth), Unsafe.Add(ref xr, i + 7 * eighth), Unsafe.Add(ref xi, i + 7 * eighth),
                    out var o0r, out var o0i, out var o1r, out var o1i, out var o2r, out var o2i, out var o3r, out var o3i);
                RotateOddEighths(ref o1r, ref o1i, ref o2r, ref o2i, ref o3r, ref o3i);
                Unsafe.Add(ref yr, o) = e0r + o0r;
                Unsafe.Add(ref yi, o) = e0i + o0i;
                Store(ref yr, ref yi, o + s, e1r + o1r, e1i + o1i, rotate, w[0], w[1]);
                Store(ref yr, ref yi, o + 2 * s, e2r + o2r, e2i + o2i, rotate, w[2], w[3]);
                Store(ref yr, ref yi, o + 3 * s, e3r + o3r, e3i + o3i, rotate, w[4], w[5]);
                Store(ref yr, ref yi, o + 4 * s, e0r - o0r, e0i - o0i, rotate, w[6], w[7]);
                Store(ref yr, ref yi, o + 5 * s, e1r - o1r, e1i - o1i, rotate, w[8], w[9]);
                Store(ref yr, ref yi, o + 6 * s, e2r - o2r, e2i - o2i, rotate, w[10], w[11]);
                Store(ref yr, ref yi, o + 7 * s, e3r - o3r, e3i - o3i, rotate, w[12], w[13]);
            }
        }
    }

    /// <summary>The odd half's outputs 1, 2, 3 of a radix-8 butterfly times W⁸¹, W⁸², W⁸³.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RotateOddEighths<TV>(ref TV o1r, ref TV o1i, ref TV o2r, ref TV o2i, ref TV o3r, ref TV o3i)
        where TV : unmanaged, IFftVector<TV>
    {
        const float Half = 0.70710678118654752f;
        (o1r, o1i) = ((o1r + o1i) * Half, (o1i - o1r) * Half);
        (o2r, o2i) = (o2i, -o2r);
        (o3r, o3i) = ((o3i - o3r) * Half, -(o3r + o3i) * Half);
    }

    /// <summary>
    /// 8-point DFT (exp(−2πi jk/8)) of a0..a7 in place (a_k becomes y_k), as one <see cref="Radix8"/> butterfly
    /// without twiddles; by reference so that callers keep the values in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Dft8<TV>(ref TV a0r, ref TV a0i, ref TV a1r, ref TV a1i, ref TV a2r, ref TV a2i, ref TV a3r, ref TV a3i,
        ref TV a4r, ref TV a4i, ref TV a5r, ref TV a5i, ref TV a6r, ref TV a6i, ref TV a7r, ref TV a7i) where TV : unmanaged, IFftVector<TV>
    {
        Dft4(a0r, a0i, a2r, a2i, a4r, a4i, a6r, a6i,
            out var e0r, out var e0i, out var e1r, out var e1i, out var e2r, out var e2i, out var e3r, out var e3i);
        Dft4(a1r, a1i, a3r, a3i, a5r, a5i, a7r, a7i,
            out var o0r, out var o0i, out var o1r, out var o1i, out var o2r, out var o2i, out var o3r, out var o3i);
        RotateOddEighths(ref o1r, ref o1i, ref o2r, ref o2i, ref o3r, ref o3i);
        a0r = e0r + o0r; a0i = e0i + o0i;
        a1r = e1r + o1r; a1i = e1i + o1i;
        a2r = e2r + o2r; a2i = e2i + o2i;
        a3r = e3r + o3r; a3i = e3i + o3i;
        a4r = e0r - o0r; a4i = e0i - o0i;
        a5r = e1r - o1r; a5i = e1i - o1i;
        a6r = e2r - o2r; a6i = e2i - o2i;
        a7r = e3r - o3r; a7i = e3i - o3i;
    }

    /// <summary>Stores one output of a butterfly, rotated by (wr, wi) unless p = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV>(ref TV yr, ref TV yi, int at, TV re, TV im, bool rotate, TV wr, TV wi) where TV : unmanaged, IFftVector<TV>
    {
        if (rotate) Twiddle(ref re, ref im, wr, wi);
        Unsafe.Add(ref yr, at) = re;
        Unsafe.Add(ref yi, at) = im;
    }

    /// <summary>Any odd radix: y_k = a_0 + Σ_{j=1}^{(r−1)/2} cos(2πjk/r)(a_j + a_{r−j}) − i sin(2πjk/r)(a_j − a_{r−j}).</summary>
    private void RadixOdd<TV>(ref TV xr, ref TV xi, ref TV yr, ref TV yi, int s) where TV : unmanaged, IFftVector<TV>
    {
        int r = _radix, half = r / 2, part = s * _m;
        Span<TV> sumRe = stackalloc TV[half + 1], sumIm = stackalloc TV[half + 1];
        Span<TV> difRe = stackalloc TV[half + 1], difIm = stackalloc TV[half + 1];
        for (int p = 0; p < _m; p++)
        {
            bool rotate = p != 0; // p = 0 has unit twiddles (all of the last pass, where m = 1)
            int input = s * p, output = r * s * p, t = 2 * (r - 1) * p;
            for (int q = 0; q < s; q++)
            {
                int i = input + q, o = output + q;
                var a0r = Unsafe.Add(ref xr, i); var a0i = Unsafe.Add(ref xi, i);
                var totalR = a0r; var totalI = a0i;
                for (int j = 1; j <= half; j++)
                {
                    var ajr = Unsafe.Add(ref xr, i + j * part); var aji = Unsafe.Add(ref xi, i + j * part);
                    var bjr = Unsafe.Add(ref xr, i + (r - j) * part); var bji = Unsafe.Add(ref xi, i + (r - j) * part);
                    sumRe[j] = ajr + bjr; sumIm[j] = aji + bji;
                    difRe[j] = ajr - bjr; difIm[j] = aji - bji;
                    totalR += sumRe[j]; totalI += sumIm[j];
                }
                Unsafe.Add(ref yr, o) = totalR;
                Unsafe.Add(ref yi, o) = totalI;
                for (int k = 1; k <= half; k++)
                {
                    TV cr = a0r, ci = a0i, sr = TV.Broadcast(0f), si = TV.Broadcast(0f);
                    for (int j = 1; j <= half; j++)
                    {
                        float c = _cos[j * r + k], sn = _sin[j * r + k];
                        cr += sumRe[j] * c; ci += sumIm[j] * c;
                        sr += difRe[j] * sn; si += difIm[j] * sn;
                    }
                    // y_k = c − i·s, y_{r−k} = c + i·s
                    var ykr = cr + si; var yki = ci - sr;
                    var ymr = cr - si; var ymi = ci + sr;
                    if (rotate) Twiddle(ref ykr, ref yki, _twiddles[t + 2 * (k - 1)], _twiddles[t + 2 * (k - 1) + 1]);
                    if (rotate) Twiddle(ref ymr, ref ymi, _twiddles[t + 2 * (r - k - 1)], _twiddles[t + 2 * (r - k - 1) + 1]);
                    Unsafe.Add(ref yr, o + k * s) = ykr; Unsafe.Add(ref yi, o + k * s) = yki;
                    Unsafe.Add(ref yr, o + (r - k) * s) = ymr; Unsafe.Add(ref yi, o + (r - k) * s) = ymi;
                }
            }
        }
    }
}

/// <summary>
/// Bluestein's chirp-z transform of a length with a large prime factor: x·c, convolved with conj(c) through a
/// power-of-two batched FFT (the filter's spectrum precomputed in float64, 1/M folded in), times c again;
/// c[j] = exp(−πi j²/n).
/// </summary>
internal sealed class FftBatchBluestein
{
    private readonly int _length;
    private readonly FftBatchPlan _inner;
    private readonly int _imOffset;
    private readonly float[] _chirpRe, _chirpIm, _filterRe, _filterIm;

    public FftBatchBluestein(int length)
    {
        _length = length;
        int size = 1;
        while (size < 2 * length - 1) size *= 2;
        _inner = FftBatchPlan.Get(size);
        _chirpRe = new float[length];
        _chirpIm = new float[length];
        var filterRe = new double[size];
        var filterIm = new double[size];
        for (int j = 0; j < length; j++)
        {
            // j² mod 2n keeps the angle small so that float64 loses nothing for large j.
            double angle = -Math.PI * ((long)j * j % (2L * length)) / length;
            _chirpRe[j] = (float)Math.Cos(angle);
            _chirpIm[j] = (float)Math.Sin(angle);
            filterRe[j] = Math.Cos(angle) / size;
            filterIm[j] = -Math.Sin(angle) / size;
            if (j > 0)
            {
                filterRe[size - j] = filterRe[j];
                filterIm[size - j] = filterIm[j];
            }
        }
        FftPlan.Get(size).Forward(filterRe, filterIm);
        _filterRe = filterRe.Select(v => (float)v).ToArray();
        _filterIm = filterIm.Select(v => (float)v).ToArray();
        // The padded product's halves half a page apart: its power-of-two length would put them in the same cache sets.
        _imOffset = _inner.BatchFloats + FftBatchPlan.HalfPageApart(_inner.BatchFloats);
        ScratchFloats = _imOffset + _inner.BatchFloats + _inner.ScratchFloats;
    }

    public int ScratchFloats { get; }

    public void Forward(Span<float> re, Span<float> im, Span<float> scratch)
    {
        const int L = FftBatchPlan.Lanes;
        int size = _inner.Length;
        var aRe = scratch[..(L * size)];
        var aIm = scratch.Slice(_imOffset, L * size);
        var inner = scratch[(_imOffset + L * size)..];
        var xr = MemoryMarshal.Cast<float, Vector256<float>>(re);
        var xi = MemoryMarshal.Cast<float, Vector256<float>>(im);
        var ar = MemoryMarshal.Cast<float, Vector256<float>>(aRe);
        var ai = MemoryMarshal.Cast<float, Vector256<float>>(aIm);
        for (int j = 0; j < _length; j++)
        {
            float cr = _chirpRe[j], ci = _chirpIm[j];
            ar[j] = xr[j] * cr - xi[j] * ci;
            ai[j] = xr[j] * ci + xi[j] * cr;
        }
        ar[_length..].Clear();
        ai[_length..].Clear();
        _inner.Forward(aRe, aIm, inner);
        for (int k = 0; k < size; k++)
        {
            float fr = _filterRe[k], fi = _filterIm[k];
            var r = ar[k] * fr - ai[k] * fi;
            ai[k] = ar[k] * fi + ai[k] * fr;
            ar[k] = r;
        }
        _inner.InverseUnscaled(aRe, aIm, inner);
        for (int k = 0; k < _length; k++)
        {
            float cr = _chirpRe[k], ci = _chirpIm[k];
            xr[k] = ar[k] * cr - ai[k] * ci;
            xi[k] = ar[k] * ci + ai[k] * cr;
        }
    }
}
