using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Real FFT of one row of n = 16·M samples whose whole working set (4 · n/2 floats: 480 KB for 60000 samples)
/// stays in the core's L2, where a batch of 16 rows on the lanes (<see cref="FftTransforms"/>'s other path)
/// streams 7.7 MB through L3 on every radix pass. The row is packed as N = n/2 complex points
/// z[j] = x[2j] + i·x[2j+1]; split into re/im arrays, z[8a + b] is element a of lane b, so the 8 decimated
/// subsequences are already one lane-major batch for the M-point <see cref="FftBatchPlan"/>. One more pass
/// combines them (four-step with N = M · 8): twiddles W_N^(b·k1), an 8×8 transpose and an 8-point DFT across the
/// lanes give Z[k1 + M·k2]; the last pass separates the spectra of the even and odd samples into bins 0 .. N.
/// </summary>
internal sealed class FftRealRowPlan
{
    private const int L = FftBatchPlan.Lanes;

    private static readonly ConcurrentDictionary<int, FftRealRowPlan> Cache = new();

    // W_8^j = exp(−2πi j/8).
    private static readonly Complex[] EighthRoots = [.. Enumerable.Range(0, L).Select(j => Complex.FromPolarCoordinates(1, -2 * Math.PI * j / L))];

    private readonly int _half, _m;
    private readonly FftBatchPlan _lanes;

    // W_N^(b·k1) for the lanes b = 1, 2, 4 at [slot·M + k1] (slot 0, 1, 2); the other lanes' twiddles are products
    // of these (W^3 = W^1·W^2, ...), which keeps the tables in L2 beside the row.
    private readonly float[] _laneTwiddleRe, _laneTwiddleIm;

    // W_n^k, k = 0 .. N/2: the rotation that separates the even- and odd-sample spectra (W_n^(N−k) = −conj W_n^k).
    private readonly float[] _splitRe, _splitIm;

    private FftRealRowPlan(int n)
    {
        _half = n / 2;
        _m = _half / L;
        _lanes = FftBatchPlan.Get(_m);
        _laneTwiddleRe = new float[3 * _m];
        _laneTwiddleIm = new float[3 * _m];
        for (int slot = 0; slot < 3; slot++)
        {
            for (int k = 0; k < _m; k++)
            {
                double angle = -2 * Math.PI * ((long)(1 << slot) * k % _half) / _half;
                _laneTwiddleRe[slot * _m + k] = (float)Math.Cos(angle);
                _laneTwiddleIm[slot * _m + k] = (float)Math.Sin(angle);
            }
        }
        _splitRe = new float[_half / 2 + 1];
        _splitIm = new float[_half / 2 + 1];
        for (int k = 0; k <= _half / 2; k++)
        {
            double angle = -Math.PI * k / _half;
            _splitRe[k] = (float)Math.Cos(angle);
            _splitIm[k] = (float)Math.Sin(angle);
        }
        // Real and imaginary parts half a 4 KiB page apart (as in the lane plan's scratch), room for bin N.
        SpectrumStride = _half + L + FftBatchPlan.HalfPageApart(_half + L);
        WorkFloats = 2 * SpectrumStride + _lanes.ScratchFloats;
    }

    /// <summary>
    /// Whether rows of n samples take this path: AVX2 for the transposes, n a multiple of 16 with at least one
    /// 8×8 block per lane (n ≥ 128), and lane transforms without Bluestein (whose scratch would not fit the
    /// buffer shared with the combined spectrum).
    /// </summary>
    public static bool Supports(int n) =>
        Enabled && Avx2.IsSupported && n % (2 * L) == 0 && n >= 2 * L * L && !FftBatchPlan.Get(n / (2 * L)).UsesBluestein;

    /// <summary>Lets tests run rows that qualify through the batched path too; both must match numpy.</summary>
    public static bool Enabled { get; set; } = true;

    public static FftRealRowPlan Get(int n)
    {
        if (!Supports(n)) throw new ArgumentOutOfRangeException(nameof(n), n, "no single-row real FFT plan for this length on this CPU");
        return Cache.GetOrAdd(n, length => new FftRealRowPlan(length));
    }

    /// <summary>Floats of one worker's buffer.</summary>
    public int WorkFloats { get; }

    /// <summary>Offset of the imaginary parts in the work buffer: bin k is at (work[k], work[SpectrumStride + k]).</summary>
    public int SpectrumStride { get; }

    /// <summary>Bins 0 .. n/2 of the real row, left at (work[k], work[SpectrumStride + k]).</summary>
    public void Forward(ReadOnlySpan<float> row, Span<float> work)
    {
        int n = _half;
        var re = work[..n];
        var im = work.Slice(SpectrumStride, n);
        var scratch = work[(2 * SpectrumStride)..];
        FftLanes.SplitComplex(row, n, re, im);
        _lanes.Forward(re, im, scratch);
        var zRe = scratch[..n];
        var zIm = scratch.Slice(_lanes.ScratchImOffset, n);
        CombineLanes(re, im, zRe, zIm);
        SeparateForward(zRe, zIm, work[..(n + 1)], work.Slice(SpectrumStride, n + 1));
    }

    /// <summary>
    /// Inverse of <see cref="Forward"/> times n · <paramref name="scale"/> (numpy's irfft · n · scale) from bins
    /// 0 .. n/2 at (work[k], work[SpectrumStride + k]), written to <paramref name="row"/>; the imaginary parts of
    /// bins 0 and n/2 are ignored, as irfft ignores them.
    /// </summary>
    public void Inverse(Span<float> work, Span<float> row, float scale)
    {
        int n = _half;
        var re = work[..n];
        var im = work.Slice(SpectrumStride, n);
        var scratch = work[(2 * SpectrumStride)..];
        var zRe = scratch[..n];
        var zIm = scratch.Slice(_lanes.ScratchImOffset, n);
        SeparateInverse(work[..(n + 1)], work.Slice(SpectrumStride, n + 1), zRe, zIm, scale);
        // The unscaled inverse is the forward transform with real and imaginary parts swapped on both sides; the
        // batch plan's scratch is the (now free) spectrum area.
        _lanes.Forward(zIm, zRe, work[..(2 * SpectrumStride)]);
        CombineLanes(zIm, zRe, im, re);
        FftLanes.MergeComplex(re, im, n, 1f, row);
    }

    /// <summary>
    /// From the lane transforms Y_b[k1] (lane-major in re/im), Z[k1 + M·k2] = Σ_b W_N^(b·k1) Y_b[k1] W_8^(b·k2),
    /// eight k1 at a time, in registers: an 8×8 transpose turns the lanes b into separate vectors with k1 on the lanes.
    /// </summary>
    private void CombineLanes(Span<float> re, Span<float> im, Span<float> zRe, Span<float> zIm)
    {
        int m = _m, k1 = 0;
        ref float twRe = ref MemoryMarshal.GetArrayDataReference(_laneTwiddleRe);
        ref float twIm = ref MemoryMarshal.GetArrayDataReference(_laneTwiddleIm);
        ref float yr = ref MemoryMarshal.GetReference(re);
        ref float yi = ref MemoryMarshal.GetReference(im);
        ref float zr = ref MemoryMarshal.GetReference(zRe);
        ref float zi = ref MemoryMarshal.GetReference(zIm);
        if (re.Length < L * m || im.Length < L * m || zRe.Length < L * m || zIm.Length < L * m) throw new ArgumentException("FFT buffers shorter than the transform");
        for (; k1 + L <= m; k1 += L)
        {
            nuint at = (nuint)(k1 * L);
            var r0 = Vector256.LoadUnsafe(ref yr, at); var r1 = Vector256.LoadUnsafe(ref yr, at + 8);
            var r2 = Vector256.LoadUnsafe(ref yr, at + 16); var r3 = Vector256.LoadUnsafe(ref yr, at + 24);
            var r4 = Vector256.LoadUnsafe(ref yr, at + 32); var r5 = Vector256.LoadUnsafe(ref yr, at + 40);
            var r6 = Vector256.LoadUnsafe(ref yr, at + 48); var r7 = Vector256.LoadUnsafe(ref yr, at + 56);
            var i0 = Vector256.LoadUnsafe(ref yi, at); var i1 = Vector256.LoadUnsafe(ref yi, at + 8);
            var i2 = Vector256.LoadUnsafe(ref yi, at + 16); var i3 = Vector256.LoadUnsafe(ref yi, at + 24);
            var i4 = Vector256.LoadUnsafe(ref yi, at + 32); var i5 = Vector256.LoadUnsafe(ref yi, at + 40);
            var i6 = Vector256.LoadUnsafe(ref yi, at + 48); var i7 = Vector256.LoadUnsafe(ref yi, at + 56);
            FftLanes.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            FftLanes.Transpose(ref i0, ref i1, ref i2, ref i3, ref i4, ref i5, ref i6, ref i7);
            FftVector8 a0r = new(r0), a0i = new(i0), a1r = new(r1), a1i = new(i1), a2r = new(r2), a2i = new(i2), a3r = new(r3), a3i = new(i3);
            FftVector8 a4r = new(r4), a4i = new(i4), a5r = new(r5), a5i = new(i5), a6r = new(r6), a6i = new(i6), a7r = new(r7), a7i = new(i7);
            var w1r = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twRe, k1));
            var w1i = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twIm, k1));
            var w2r = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twRe, m + k1));
            var w2i = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twIm, m + k1));
            var w4r = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twRe, 2 * m + k1));
            var w4i = Unsafe.As<float, FftVector8>(ref Unsafe.Add(ref twIm, 2 * m + k1));
            var w3r = w1r; var w3i = w1i;
            FftStage.Twiddle(ref w3r, ref w3i, w2r, w2i);
            FftStage.Twiddle(ref a1r, ref a1i, w1r, w1i);
            FftStage.Twiddle(ref a2r, ref a2i, w2r, w2i);
            FftStage.Twiddle(ref a3r, ref a3i, w3r, w3i);
            FftStage.Twiddle(ref a4r, ref a4i, w4r, w4i);
            FftStage.Twiddle(ref a5r, ref a5i, w1r, w1i);
            FftStage.Twiddle(ref a5r, ref a5i, w4r, w4i);
            FftStage.Twiddle(ref a6r, ref a6i, w2r, w2i);
            FftStage.Twiddle(ref a6r, ref a6i, w4r, w4i);
            FftStage.Twiddle(ref a7r, ref a7i, w3r, w3i);
            FftStage.Twiddle(ref a7r, ref a7i, w4r, w4i);
            FftStage.Dft8(ref a0r, ref a0i, ref a1r, ref a1i, ref a2r, ref a2i, ref a3r, ref a3i,
                ref a4r, ref a4i, ref a5r, ref a5i, ref a6r, ref a6i, ref a7r, ref a7i);
            nuint column = (nuint)k1, step = (nuint)m;
            a0r.Value.StoreUnsafe(ref zr, column); a0i.Value.StoreUnsafe(ref zi, column);
            a1r.Value.StoreUnsafe(ref zr, column + step); a1i.Value.StoreUnsafe(ref zi, column + step);
            a2r.Value.StoreUnsafe(ref zr, column + 2 * step); a2i.Value.StoreUnsafe(ref zi, column + 2 * step);
            a3r.Value.StoreUnsafe(ref zr, column + 3 * step); a3i.Value.StoreUnsafe(ref zi, column + 3 * step);
            a4r.Value.StoreUnsafe(ref zr, column + 4 * step); a4i.Value.StoreUnsafe(ref zi, column + 4 * step);
            a5r.Value.StoreUnsafe(ref zr, column + 5 * step); a5i.Value.StoreUnsafe(ref zi, column + 5 * step);
            a6r.Value.StoreUnsafe(ref zr, column + 6 * step); a6i.Value.StoreUnsafe(ref zi, column + 6 * step);
            a7r.Value.StoreUnsafe(ref zr, column + 7 * step); a7i.Value.StoreUnsafe(ref zi, column + 7 * step);
        }
        // The last M mod 8 columns (at most 7), one at a time in float64.
        Span<Complex> y = stackalloc Complex[L];
        for (; k1 < m; k1++)
        {
            y[0] = new Complex(re[k1 * L], im[k1 * L]);
            for (int b = 1; b < L; b++)
            {
                var w = Complex.One;
                for (int slot = 0; slot < 3; slot++)
                {
                    if ((b >> slot & 1) != 0) w *= new Complex(_laneTwiddleRe[slot * m + k1], _laneTwiddleIm[slot * m + k1]);
                }
                y[b] = new Complex(re[k1 * L + b], im[k1 * L + b]) * w;
            }
            for (int k2 = 0; k2 < L; k2++)
            {
                var sum = Complex.Zero;
                for (int b = 0; b < L; b++) sum += y[b] * EighthRoots[b * k2 % L];
                zRe[k1 + m * k2] = (float)sum.Real;
                zIm[k1 + m * k2] = (float)sum.Imaginary;
            }
        }
    }

    /// <summary>
    /// Bins 0 .. N of the real row from Z, the transform of z = a + i·b (a, b = even and odd samples):
    /// A[k] = (Z[k] + conj Z[N−k]) / 2, B[k] = (Z[k] − conj Z[N−k]) / 2i, X[k] = A[k] + W_n^k B[k] (Z[N] = Z[0]).
    /// k and N − k share their loads: A[N−k] = conj A[k], B[N−k] = conj B[k], W_n^(N−k) = −conj W_n^k, so
    /// X[N−k] = conj(A[k] − W_n^k B[k]).
    /// </summary>
    private void SeparateForward(ReadOnlySpan<float> zRe, ReadOnlySpan<float> zIm, Span<float> xRe, Span<float> xIm)
    {
        int n = _half, k = 1;
        ref float zr = ref MemoryMarshal.GetReference(zRe);
        ref float zi = ref MemoryMarshal.GetReference(zIm);
        ref float xr = ref MemoryMarshal.GetReference(xRe);
        ref float xi = ref MemoryMarshal.GetReference(xIm);
        ref float wr = ref MemoryMarshal.GetArrayDataReference(_splitRe);
        ref float wi = ref MemoryMarshal.GetArrayDataReference(_splitIm);
        var half = Vector256.Create(0.5f);
        // Blocks k .. k+7 and their mirrors N−k−7 .. N−k, disjoint while 2(k + 8) ≤ N.
        for (; 2 * (k + L) <= n; k += L)
        {
            nuint mirror = (nuint)(n - k - L + 1);
            var pr = Vector256.LoadUnsafe(ref zr, (nuint)k);
            var pi = Vector256.LoadUnsafe(ref zi, (nuint)k);
            var qr = FftLanes.Reversed(Vector256.LoadUnsafe(ref zr, mirror));
            var qi = FftLanes.Reversed(Vector256.LoadUnsafe(ref zi, mirror));
            var ar = (pr + qr) * half; var ai = (pi - qi) * half;
            var br = (pi + qi) * half; var bi = (qr - pr) * half;
            var cr = Vector256.LoadUnsafe(ref wr, (nuint)k);
            var ci = Vector256.LoadUnsafe(ref wi, (nuint)k);
            var tr = cr * br - ci * bi; var ti = cr * bi + ci * br;
            (ar + tr).StoreUnsafe(ref xr, (nuint)k);
            (ai + ti).StoreUnsafe(ref xi, (nuint)k);
            FftLanes.Reversed(ar - tr).StoreUnsafe(ref xr, mirror);
            FftLanes.Reversed(ti - ai).StoreUnsafe(ref xi, mirror);
        }
        for (int j = k; j <= n - k; j++) SeparateOne(zRe, zIm, j, out xRe[j], out xIm[j]);
        SeparateOne(zRe, zIm, n, out xRe[n], out xIm[n]);
        SeparateOne(zRe, zIm, 0, out xRe[0], out xIm[0]);
    }

    /// <summary>W_n^k for any k in 0 .. N from the half table.</summary>
    private (float Re, float Im) SplitTwiddle(int k) =>
        2 * k <= _half ? (_splitRe[k], _splitIm[k]) : (-_splitRe[_half - k], _splitIm[_half - k]);

    private void SeparateOne(ReadOnlySpan<float> zRe, ReadOnlySpan<float> zIm, int k, out float xRe, out float xIm)
    {
        int n = _half, mirror = k == 0 ? 0 : n - k, at = k == n ? 0 : k;
        float pr = zRe[at], pi = zIm[at], qr = zRe[mirror], qi = zIm[mirror];
        float ar = (pr + qr) * 0.5f, ai = (pi - qi) * 0.5f, br = (pi + qi) * 0.5f, bi = (qr - pr) * 0.5f;
        var (cr, ci) = SplitTwiddle(k);
        xRe = ar + cr * br - ci * bi;
        xIm = ai + cr * bi + ci * br;
    }

    /// <summary>
    /// Inverse of <see cref="SeparateForward"/> times 2·<paramref name="scale"/>: 2A[k] = X[k] + conj X[N−k],
    /// 2B[k] = (X[k] − conj X[N−k]) · W_n^−k, Z[k] = (2A[k] + i·2B[k]) · scale for k = 0 .. N−1 (bins 0 and N taken
    /// as real), so that the unscaled N-point inverse gives n · scale times the row. As forward, k and N − k share
    /// their loads: 2A[N−k] = conj 2A[k], 2B[N−k] = conj 2B[k].
    /// </summary>
    private void SeparateInverse(Span<float> xRe, Span<float> xIm, Span<float> zRe, Span<float> zIm, float scale)
    {
        int n = _half, k = 1;
        xIm[0] = 0f;
        xIm[n] = 0f;
        ref float xr = ref MemoryMarshal.GetReference(xRe);
        ref float xi = ref MemoryMarshal.GetReference(xIm);
        ref float zr = ref MemoryMarshal.GetReference(zRe);
        ref float zi = ref MemoryMarshal.GetReference(zIm);
        ref float wr = ref MemoryMarshal.GetArrayDataReference(_splitRe);
        ref float wi = ref MemoryMarshal.GetArrayDataReference(_splitIm);
        var factor = Vector256.Create(scale);
        for (; 2 * (k + L) <= n; k += L)
        {
            nuint mirror = (nuint)(n - k - L + 1);
            var pr = Vector256.LoadUnsafe(ref xr, (nuint)k);
            var pi = Vector256.LoadUnsafe(ref xi, (nuint)k);
            var qr = FftLanes.Reversed(Vector256.LoadUnsafe(ref xr, mirror));
            var qi = FftLanes.Reversed(Vector256.LoadUnsafe(ref xi, mirror));
            var ar = (pr + qr) * factor; var ai = (pi - qi) * factor;
            var dr = (pr - qr) * factor; var di = (pi + qi) * factor;
            var cr = Vector256.LoadUnsafe(ref wr, (nuint)k);
            var ci = Vector256.LoadUnsafe(ref wi, (nuint)k);
            var br = dr * cr + di * ci; var bi = di * cr - dr * ci;
            (ar - bi).StoreUnsafe(ref zr, (nuint)k);
            (ai + br).StoreUnsafe(ref zi, (nuint)k);
            FftLanes.Reversed(ar + bi).StoreUnsafe(ref zr, mirror);
            FftLanes.Reversed(br - ai).StoreUnsafe(ref zi, mirror);
        }
        for (int j = k; j <= n - k; j++) UnseparateOne(xRe, xIm, j, out zRe[j], out zIm[j], scale);
        UnseparateOne(xRe, xIm, 0, out zRe[0], out zIm[0], scale);
    }

    private void UnseparateOne(ReadOnlySpan<float> xRe, ReadOnlySpan<float> xIm, int k, out float zRe, out float zIm, float factor)
    {
        int mirror = _half - k;
        float pr = xRe[k], pi = xIm[k], qr = xRe[mirror], qi = xIm[mirror];
        float ar = pr + qr, ai = pi - qi, dr = pr - qr, di = pi + qi;
        var (cr, ci) = SplitTwiddle(k);
        float br = dr * cr + di * ci, bi = di * cr - dr * ci;
        zRe = (ar - bi) * factor;
        zIm = (ai + br) * factor;
    }
}
