using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Moves data between row-major arrays (real rows, or interleaved complex rows) and the lane-major split layout
/// of <see cref="FftBatchPlan"/> (element j of lane l at j·8 + l). Rows become lanes through 8×8 register
/// transposes; columns of a row-major complex array are already lane-shaped and only need de-interleaving.
/// AVX2 paths with scalar fallbacks (other CPUs, partial batches, tails).
/// </summary>
internal static class FftLanes
{
    private const int L = FftBatchPlan.Lanes;

    private static bool Fast => Avx2.IsSupported;

    /// <summary>dst[j·8 + l] = src[start + l·rowStride + j] for l &lt; rows, j &lt; length; other lanes 0.</summary>
    public static void LoadRows(ReadOnlySpan<float> src, long start, long rowStride, int rows, int length, Span<float> dst)
    {
        int j = 0;
        if (Fast && rows == L)
        {
            ref float s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            CheckRange(src.Length, start, rowStride, rows, length);
            if (dst.Length < L * length) throw new ArgumentException("lane buffer too short", nameof(dst));
            for (; j + L <= length; j += L)
            {
                ref float from = ref Unsafe.Add(ref s, (nint)(start + j));
                Transpose(ref from, (nint)rowStride, ref Unsafe.Add(ref d, j * L), L);
            }
        }
        for (int l = 0; l < L; l++)
        {
            for (int jj = j; jj < length; jj++) dst[jj * L + l] = l < rows ? src[(int)(start + l * rowStride + jj)] : 0f;
        }
    }

    /// <summary>dst[start + l·rowStride + j] = src[j·8 + l] for l &lt; rows, j &lt; length.</summary>
    public static void StoreRows(ReadOnlySpan<float> src, int length, Span<float> dst, long start, long rowStride, int rows)
    {
        int j = 0;
        if (Fast && rows == L)
        {
            CheckRange(dst.Length, start, rowStride, rows, length);
            if (src.Length < L * length) throw new ArgumentException("lane buffer too short", nameof(src));
            ref float s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            for (; j + L <= length; j += L)
            {
                Transpose(ref Unsafe.Add(ref s, j * L), L, ref Unsafe.Add(ref d, (nint)(start + j)), (nint)rowStride);
            }
        }
        for (int l = 0; l < rows; l++)
        {
            for (int jj = j; jj < length; jj++) dst[(int)(start + l * rowStride + jj)] = src[jj * L + l];
        }
    }

    /// <summary>Interleaved complex rows (re, im at start + l·rowStride + 2j) into lane-major re/im; other lanes 0.</summary>
    public static void LoadComplexRows(ReadOnlySpan<float> src, long start, long rowStride, int rows, int length, Span<float> re, Span<float> im)
    {
        int j = 0;
        if (Fast && rows == L)
        {
            CheckRange(src.Length, start, rowStride, rows, 2 * length);
            if (re.Length < L * length || im.Length < L * length) throw new ArgumentException("lane buffer too short");
            ref float s = ref MemoryMarshal.GetReference(src);
            Span<float> blockRe = stackalloc float[L * L], blockIm = stackalloc float[L * L];
            for (; j + L <= length; j += L)
            {
                for (int l = 0; l < L; l++)
                {
                    ref float row = ref Unsafe.Add(ref s, (nint)(start + l * rowStride + 2 * j));
                    Deinterleave(Vector256.LoadUnsafe(ref row), Vector256.LoadUnsafe(ref row, 8), out var r, out var i);
                    r.CopyTo(blockRe[(l * L)..]);
                    i.CopyTo(blockIm[(l * L)..]);
                }
                Transpose(ref MemoryMarshal.GetReference(blockRe), L, ref MemoryMarshal.GetReference(re[(j * L)..]), L);
                Transpose(ref MemoryMarshal.GetReference(blockIm), L, ref MemoryMarshal.GetReference(im[(j * L)..]), L);
            }
        }
        for (int l = 0; l < L; l++)
        {
            for (int jj = j; jj < length; jj++)
            {
                long at = start + l * rowStride + 2 * jj;
                re[jj * L + l] = l < rows ? src[(int)at] : 0f;
                im[jj * L + l] = l < rows ? src[(int)at + 1] : 0f;
            }
        }
    }

    /// <summary>Lane-major re/im times <paramref name="scale"/> into interleaved complex rows (start + l·rowStride + 2j).</summary>
    public static void StoreComplexRows(ReadOnlySpan<float> re, ReadOnlySpan<float> im, int length, float scale, Span<float> dst, long start, long rowStride, int rows)
    {
        int j = 0;
        if (Fast && rows == L)
        {
            CheckRange(dst.Length, start, rowStride, rows, 2 * length);
            if (re.Length < L * length || im.Length < L * length) throw new ArgumentException("lane buffer too short");
            ref float d = ref MemoryMarshal.GetReference(dst);
            Span<float> blockRe = stackalloc float[L * L], blockIm = stackalloc float[L * L];
            for (; j + L <= length; j += L)
            {
                Transpose(ref MemoryMarshal.GetReference(re[(j * L)..]), L, ref MemoryMarshal.GetReference(blockRe), L);
                Transpose(ref MemoryMarshal.GetReference(im[(j * L)..]), L, ref MemoryMarshal.GetReference(blockIm), L);
                for (int l = 0; l < L; l++)
                {
                    var r = Vector256.Create<float>(blockRe[(l * L)..]) * scale;
                    var i = Vector256.Create<float>(blockIm[(l * L)..]) * scale;
                    Interleave(r, i, out var lo, out var hi);
                    ref float row = ref Unsafe.Add(ref d, (nint)(start + l * rowStride + 2 * j));
                    lo.StoreUnsafe(ref row);
                    hi.StoreUnsafe(ref row, 8);
                }
            }
        }
        for (int l = 0; l < rows; l++)
        {
            for (int jj = j; jj < length; jj++)
            {
                long at = start + l * rowStride + 2 * jj;
                dst[(int)at] = re[jj * L + l] * scale;
                dst[(int)at + 1] = im[jj * L + l] * scale;
            }
        }
    }

    /// <summary>
    /// Interleaved complex values (re, im at 2j, 2j + 1) into split arrays, j &lt; count; for a real row, its even and
    /// odd samples.
    /// </summary>
    public static void SplitComplex(ReadOnlySpan<float> src, int count, Span<float> re, Span<float> im)
    {
        if (src.Length < 2 * count || re.Length < count || im.Length < count) throw new ArgumentException("buffers shorter than the values");
        int j = 0;
        if (Fast)
        {
            ref float s = ref MemoryMarshal.GetReference(src);
            ref float r = ref MemoryMarshal.GetReference(re);
            ref float i = ref MemoryMarshal.GetReference(im);
            for (; j + L <= count; j += L)
            {
                Deinterleave(Vector256.LoadUnsafe(ref s, (nuint)(2 * j)), Vector256.LoadUnsafe(ref s, (nuint)(2 * j + L)), out var vr, out var vi);
                vr.StoreUnsafe(ref r, (nuint)j);
                vi.StoreUnsafe(ref i, (nuint)j);
            }
        }
        for (; j < count; j++)
        {
            re[j] = src[2 * j];
            im[j] = src[2 * j + 1];
        }
    }

    /// <summary>Split re/im times <paramref name="scale"/> into interleaved complex values (the inverse of <see cref="SplitComplex"/>).</summary>
    public static void MergeComplex(ReadOnlySpan<float> re, ReadOnlySpan<float> im, int count, float scale, Span<float> dst)
    {
        if (dst.Length < 2 * count || re.Length < count || im.Length < count) throw new ArgumentException("buffers shorter than the values");
        int j = 0;
        if (Fast)
        {
            ref float d = ref MemoryMarshal.GetReference(dst);
            ref float r = ref MemoryMarshal.GetReference(re);
            ref float i = ref MemoryMarshal.GetReference(im);
            for (; j + L <= count; j += L)
            {
                Interleave(Vector256.LoadUnsafe(ref r, (nuint)j) * scale, Vector256.LoadUnsafe(ref i, (nuint)j) * scale, out var lo, out var hi);
                lo.StoreUnsafe(ref d, (nuint)(2 * j));
                hi.StoreUnsafe(ref d, (nuint)(2 * j + L));
            }
        }
        for (; j < count; j++)
        {
            dst[2 * j] = re[j] * scale;
            dst[2 * j + 1] = im[j] * scale;
        }
    }

    /// <summary>Most adjacent columns one sweep over the rows moves: 32 complex values, four cache lines per row.</summary>
    public const int ColumnsPerSweep = 4 * L;

    /// <summary>
    /// Up to <see cref="ColumnsPerSweep"/> adjacent complex columns starting at float offset
    /// <paramref name="start"/> of <paramref name="count"/> rows (row d at start + d·rowStride) into lane-major
    /// re/im, columns 8g .. 8g+7 forming the batch at offset 8·count·g; unused lanes 0.
    /// </summary>
    public static void LoadColumns(ReadOnlySpan<float> src, long start, long rowStride, int count, int lanes, Span<float> re, Span<float> im)
    {
        int batches = (lanes + L - 1) / L, fullBatches = Fast ? lanes / L : 0;
        var vr = MemoryMarshal.Cast<float, Vector256<float>>(re)[..(batches * count)];
        var vi = MemoryMarshal.Cast<float, Vector256<float>>(im)[..(batches * count)];
        if (fullBatches > 0)
        {
            CheckRange(src.Length, start, rowStride, count, 2 * L * fullBatches);
            ref float s = ref MemoryMarshal.GetReference(src);
            for (int d = 0; d < count; d++)
            {
                ref float row = ref Unsafe.Add(ref s, (nint)(start + d * rowStride));
                // Rows are far apart (no hardware prefetch across them): ask for a later row's lines now.
                if (d + PrefetchRows < count) Prefetch(ref Unsafe.Add(ref row, (nint)(PrefetchRows * rowStride)), 2 * L * fullBatches);
                for (int b = 0; b < fullBatches; b++)
                {
                    Deinterleave(Vector256.LoadUnsafe(ref row, (nuint)(16 * b)), Vector256.LoadUnsafe(ref row, (nuint)(16 * b + 8)),
                        out vr[b * count + d], out vi[b * count + d]);
                }
            }
        }
        for (int b = fullBatches; b < batches; b++)
        {
            for (int d = 0; d < count; d++)
            {
                for (int l = 0; l < L; l++)
                {
                    int column = b * L + l;
                    long at = start + d * rowStride + 2 * column;
                    re[(b * count + d) * L + l] = column < lanes ? src[(int)at] : 0f;
                    im[(b * count + d) * L + l] = column < lanes ? src[(int)at + 1] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// Inverse of <see cref="LoadColumns"/> times <paramref name="scale"/>, element d going to row
    /// (d + <paramref name="rowShift"/>) mod count (fftshift along the columns).
    /// </summary>
    public static void StoreColumns(ReadOnlySpan<float> re, ReadOnlySpan<float> im, int count, int rowShift, float scale, Span<float> dst,
        long start, long rowStride, int lanes)
    {
        int batches = (lanes + L - 1) / L, fullBatches = Fast ? lanes / L : 0;
        var vr = MemoryMarshal.Cast<float, Vector256<float>>(re)[..(batches * count)];
        var vi = MemoryMarshal.Cast<float, Vector256<float>>(im)[..(batches * count)];
        if (fullBatches > 0)
        {
            CheckRange(dst.Length, start, rowStride, count, 2 * L * fullBatches);
            ref float d0 = ref MemoryMarshal.GetReference(dst);
            for (int d = 0; d < count; d++)
            {
                int target = d + rowShift < count ? d + rowShift : d + rowShift - count;
                ref float row = ref Unsafe.Add(ref d0, (nint)(start + target * rowStride));
                for (int b = 0; b < fullBatches; b++)
                {
                    Interleave(vr[b * count + d] * scale, vi[b * count + d] * scale, out var lo, out var hi);
                    lo.StoreUnsafe(ref row, (nuint)(16 * b));
                    hi.StoreUnsafe(ref row, (nuint)(16 * b + 8));
                }
            }
        }
        for (int b = fullBatches; b < batches; b++)
        {
            for (int d = 0; d < count; d++)
            {
                int target = (d + rowShift) % count;
                for (int l = 0; l < L && b * L + l < lanes; l++)
                {
                    long at = start + target * rowStride + 2 * (b * L + l);
                    dst[(int)at] = re[(b * count + d) * L + l] * scale;
                    dst[(int)at + 1] = im[(b * count + d) * L + l] * scale;
                }
            }
        }
    }

    /// <summary>How many rows ahead the strided column sweeps prefetch.</summary>
    public const int PrefetchRows = 8;

    /// <summary>Prefetches the cache lines of <paramref name="floats"/> floats from <paramref name="first"/> into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(ref float first, int floats)
    {
        if (!Sse.IsSupported) return;
        for (int at = 0; at < floats; at += 16) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref first, at)));
    }

    private static void CheckRange(int available, long start, long rowStride, int rows, int length)
    {
        if (start < 0 || start + (rows - 1) * rowStride + length > available) throw new ArgumentException("rows outside the array");
    }

    /// <summary>8×8 transpose: row i of the source (at i·srcStride) becomes column i of the destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref float src, nint srcStride, ref float dst, nint dstStride)
    {
        var r0 = Vector256.LoadUnsafe(ref src);
        var r1 = Vector256.LoadUnsafe(ref src, (nuint)srcStride);
        var r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        var r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        var r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * srcStride));
        var r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        var r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * srcStride));
        var r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * srcStride));
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        r0.StoreUnsafe(ref dst);
        r1.StoreUnsafe(ref dst, (nuint)dstStride);
        r2.StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        r3.StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        r4.StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        r5.StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        r6.StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        r7.StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }

    /// <summary>8×8 transpose in registers: lane j of r_i becomes lane i of r_j (also the SOS kernels' row groups).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>Lanes in reverse order (constant indices inline, so the JIT emits one permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Reversed(Vector256<float> v) => Vector256.Shuffle(v, Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0));

    /// <summary>Four interleaved complex values reversed and conjugated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ConjugateReversed(Vector256<float> v) =>
        Vector256.Shuffle(v, Vector256.Create(6, 7, 4, 5, 2, 3, 0, 1)) * Vector256.Create(1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f);

    /// <summary>(r0 i0 … r3 i3), (r4 i4 … r7 i7) → (r0 … r7), (i0 … i7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(Vector256<float> a, Vector256<float> b, out Vector256<float> re, out Vector256<float> im)
    {
        re = Avx2.Permute4x64(Avx.Shuffle(a, b, 0x88).AsDouble(), 0xD8).AsSingle();
        im = Avx2.Permute4x64(Avx.Shuffle(a, b, 0xDD).AsDouble(), 0xD8).AsSingle();
    }

    /// <summary>(r0 … r7), (i0 … i7) → (r0 i0 … r3 i3), (r4 i4 … r7 i7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<float> re, Vector256<float> im, out Vector256<float> lo, out Vector256<float> hi)
    {
        var a = Avx.UnpackLow(re, im);
        var b = Avx.UnpackHigh(re, im);
        lo = Avx.Permute2x128(a, b, 0x20);
        hi = Avx.Permute2x128(a, b, 0x31);
    }
}
