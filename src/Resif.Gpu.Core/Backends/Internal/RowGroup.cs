using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Up to <see cref="SosCascade.Lanes"/> consecutive rows of a channel-major float32 block, moved to and from a
/// time-major float64 buffer (step t, lane c at <c>buffer[t * Lanes + c]</c>). Lanes without a row hold zeros.
/// Full 8-row by 8-sample blocks move through an AVX 8×8 transpose; edges go one value at a time.
/// </summary>
internal readonly unsafe struct RowGroup(float* first, int columns, int count)
{
    private const int Lanes = SosCascade.Lanes;
    private const int Block = 8;

    public float* First => first;

    public int Columns => columns;

    public int Count => count;

    /// <summary>Copies columns [start, start + steps) into <paramref name="buffer"/> (which holds step 0 of them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(int start, int steps, double* buffer)
    {
        for (int lane0 = 0; lane0 < Lanes; lane0 += Block)
        {
            int t = 0;
            if (Avx.IsSupported && lane0 + Block <= count)
            {
                float* r = first + (long)lane0 * columns + start;
                for (; t + Block <= steps; t += Block)
                {
                    float* p = r + t;
                    var v0 = Avx.LoadVector256(p);
                    var v1 = Avx.LoadVector256(p + columns);
                    var v2 = Avx.LoadVector256(p + 2L * columns);
                    var v3 = Avx.LoadVector256(p + 3L * columns);
                    var v4 = Avx.LoadVector256(p + 4L * columns);
                    var v5 = Avx.LoadVector256(p + 5L * columns);
                    var v6 = Avx.LoadVector256(p + 6L * columns);
                    var v7 = Avx.LoadVector256(p + 7L * columns);
                    Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    double* q = buffer + (long)t * Lanes + lane0;
                    StoreWidened(q, v0);
                    StoreWidened(q + Lanes, v1);
                    StoreWidened(q + 2 * Lanes, v2);
                    StoreWidened(q + 3 * Lanes, v3);
                    StoreWidened(q + 4 * Lanes, v4);
                    StoreWidened(q + 5 * Lanes, v5);
                    StoreWidened(q + 6 * Lanes, v6);
                    StoreWidened(q + 7 * Lanes, v7);
                }
            }
            for (int c = lane0; c < lane0 + Block; c++)
            {
                double* target = buffer + c;
                float* source = first + (long)c * columns + start;
                for (int s = t; s < steps; s++) target[(long)s * Lanes] = c < count ? source[s] : 0;
            }
        }
    }

    /// <summary>Writes <paramref name="steps"/> steps of <paramref name="buffer"/> back to columns [start, start + steps), rounding to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scatter(double* buffer, int start, int steps)
    {
        for (int lane0 = 0; lane0 < count; lane0 += Block)
        {
            int t = 0;
            if (Avx.IsSupported && lane0 + Block <= count)
            {
                float* r = first + (long)lane0 * columns + start;
                for (; t + Block <= steps; t += Block)
                {
                    double* q = buffer + (long)t * Lanes + lane0;
                    var v0 = LoadNarrowed(q);
                    var v1 = LoadNarrowed(q + Lanes);
                    var v2 = LoadNarrowed(q + 2 * Lanes);
                    var v3 = LoadNarrowed(q + 3 * Lanes);
                    var v4 = LoadNarrowed(q + 4 * Lanes);
                    var v5 = LoadNarrowed(q + 5 * Lanes);
                    var v6 = LoadNarrowed(q + 6 * Lanes);
                    var v7 = LoadNarrowed(q + 7 * Lanes);
                    Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    float* p = r + t;
                    Avx.Store(p, v0);
                    Avx.Store(p + columns, v1);
                    Avx.Store(p + 2L * columns, v2);
                    Avx.Store(p + 3L * columns, v3);
                    Avx.Store(p + 4L * columns, v4);
                    Avx.Store(p + 5L * columns, v5);
                    Avx.Store(p + 6L * columns, v6);
                    Avx.Store(p + 7L * columns, v7);
                }
            }
            for (int c = lane0; c < Math.Min(count, lane0 + Block); c++)
            {
                double* source = buffer + c;
                float* target = first + (long)c * columns + start;
                for (int s = t; s < steps; s++) target[s] = (float)source[(long)s * Lanes];
            }
        }
    }

    /// <summary>
    /// scipy's odd extension before the data: <c>ext[pad − k] = 2·x[0] − x[k]</c>, k = 1..pad, where
    /// <paramref name="data"/> points at x[0] (already gathered, with x[1..pad] after it).
    /// </summary>
    public static void ExtendBefore(double* data, int pad)
    {
        for (int v = 0; v < Lanes; v += 4)
        {
            var edge = Vector256.Load(data + v);
            for (int k = 1; k <= pad; k++) (edge + edge - Vector256.Load(data + k * Lanes + v)).Store(data - k * Lanes + v);
        }
    }

    /// <summary>
    /// The odd extension after the data: <c>ext[n − 1 + k] = 2·x[n − 1] − x[n − 1 − k]</c>, k = 1..pad, where
    /// <paramref name="last"/> points at x[n − 1] (already gathered, with x[n − 1 − pad .. n − 2] before it).
    /// </summary>
    public static void ExtendAfter(double* last, int pad)
    {
        for (int v = 0; v < Lanes; v += 4)
        {
            var edge = Vector256.Load(last + v);
            for (int k = 1; k <= pad; k++) (edge + edge - Vector256.Load(last - k * Lanes + v)).Store(last + k * Lanes + v);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWidened(double* target, Vector256<float> values)
    {
        Vector256.WidenLower(values).Store(target);
        Vector256.WidenUpper(values).Store(target + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadNarrowed(double* source) => Vector256.Narrow(Vector256.Load(source), Vector256.Load(source + 4));

    // In-register 8×8 transpose: row i of the result holds element i of every input row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}

/// <summary>Where a decimating filter writes: rows of <paramref name="columns"/> kept samples, one per <paramref name="factor"/> input steps.</summary>
internal readonly unsafe struct DecimatedRows(float* first, int columns, int factor)
{
    /// <summary>Writes the kept steps (multiples of the factor) among [start, start + steps) of a time-major tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(double* tile, int start, int steps, int rows)
    {
        int firstKept = (start + factor - 1) / factor * factor;
        for (int c = 0; c < rows; c++)
        {
            float* row = first + (long)c * columns;
            for (int t = firstKept; t < start + steps; t += factor) row[t / factor] = (float)tile[(long)(t - start) * SosCascade.Lanes + c];
        }
    }
}
