using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resif.Gpu.Core.Internal;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Up to <see cref="SosCascade.Lanes"/> consecutive rows of a channel-major float32 block, moved to and from a
/// time-major float32 or float64 buffer (step t, lane c at <c>buffer[t * Lanes + c]</c>). Lanes without a row hold zeros.
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
    public void Gather(int start, int steps, double* buffer) => Gather<Float64Lanes>(start, steps, buffer);

    /// <summary>Copies columns [start, start + steps) into a float32 <paramref name="buffer"/> (which holds step 0 of them).</summary>
    public void Gather(int start, int steps, float* buffer) => Gather<Float32Lanes>(start, steps, buffer);

    /// <summary>Writes <paramref name="steps"/> steps of <paramref name="buffer"/> back to columns [start, start + steps), rounding to float32.</summary>
    public void Scatter(double* buffer, int start, int steps) => Scatter<Float64Lanes>(buffer, start, steps);

    /// <summary>Writes <paramref name="steps"/> float32 steps of <paramref name="buffer"/> back to columns [start, start + steps).</summary>
    public void Scatter(float* buffer, int start, int steps) => Scatter<Float32Lanes>(buffer, start, steps);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather<TBuffer>(int start, int steps, void* buffer)
        where TBuffer : struct, ILaneBuffer
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
                    FftLanes.Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    long q = (long)t * Lanes + lane0;
                    TBuffer.Store(buffer, q, v0);
                    TBuffer.Store(buffer, q + Lanes, v1);
                    TBuffer.Store(buffer, q + 2 * Lanes, v2);
                    TBuffer.Store(buffer, q + 3 * Lanes, v3);
                    TBuffer.Store(buffer, q + 4 * Lanes, v4);
                    TBuffer.Store(buffer, q + 5 * Lanes, v5);
                    TBuffer.Store(buffer, q + 6 * Lanes, v6);
                    TBuffer.Store(buffer, q + 7 * Lanes, v7);
                }
            }
            for (int c = lane0; c < lane0 + Block; c++)
            {
                float* source = first + (long)c * columns + start;
                for (int s = t; s < steps; s++) TBuffer.Set(buffer, (long)s * Lanes + c, c < count ? source[s] : 0);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scatter<TBuffer>(void* buffer, int start, int steps)
        where TBuffer : struct, ILaneBuffer
    {
        for (int lane0 = 0; lane0 < count; lane0 += Block)
        {
            int t = 0;
            if (Avx.IsSupported && lane0 + Block <= count)
            {
                float* r = first + (long)lane0 * columns + start;
                for (; t + Block <= steps; t += Block)
                {
                    long q = (long)t * Lanes + lane0;
                    var v0 = TBuffer.Load(buffer, q);
                    var v1 = TBuffer.Load(buffer, q + Lanes);
                    var v2 = TBuffer.Load(buffer, q + 2 * Lanes);
                    var v3 = TBuffer.Load(buffer, q + 3 * Lanes);
                    var v4 = TBuffer.Load(buffer, q + 4 * Lanes);
                    var v5 = TBuffer.Load(buffer, q + 5 * Lanes);
                    var v6 = TBuffer.Load(buffer, q + 6 * Lanes);
                    var v7 = TBuffer.Load(buffer, q + 7 * Lanes);
                    FftLanes.Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
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
                float* target = first + (long)c * columns + start;
                for (int s = t; s < steps; s++) target[s] = TBuffer.Get(buffer, (long)s * Lanes + c);
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

    /// <summary>A time-major buffer of lane values in float32 or float64, eight lanes at a time or one (rounded to float32 when read).</summary>
    private interface ILaneBuffer
    {
        static abstract Vector256<float> Load(void* buffer, long index);

        static abstract void Store(void* buffer, long index, Vector256<float> values);

        static abstract float Get(void* buffer, long index);

        static abstract void Set(void* buffer, long index, float value);
    }

    private readonly struct Float32Lanes : ILaneBuffer
    {
        public static Vector256<float> Load(void* buffer, long index) => Vector256.Load((float*)buffer + index);

        public static void Store(void* buffer, long index, Vector256<float> values) => values.Store((float*)buffer + index);

        public static float Get(void* buffer, long index) => ((float*)buffer)[index];

        public static void Set(void* buffer, long index, float value) => ((float*)buffer)[index] = value;
    }

    private readonly struct Float64Lanes : ILaneBuffer
    {
        public static Vector256<float> Load(void* buffer, long index) =>
            Vector256.Narrow(Vector256.Load((double*)buffer + index), Vector256.Load((double*)buffer + index + 4));

        public static void Store(void* buffer, long index, Vector256<float> values)
        {
            Vector256.WidenLower(values).Store((double*)buffer + index);
            Vector256.WidenUpper(values).Store((double*)buffer + index + 4);
        }

        public static float Get(void* buffer, long index) => (float)((double*)buffer)[index];

        public static void Set(void* buffer, long index, float value) => ((double*)buffer)[index] = value;
    }
}
