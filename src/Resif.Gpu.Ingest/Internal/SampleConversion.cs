using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Resif.Gpu.Ingest.Internal;

/// <summary>Sample conversions shared by the readers: stored numbers to float32, and time-major to channel-major.</summary>
internal static class SampleConversion
{
    private const int Tile = 64;

    /// <summary>
    /// [rows, cols] C order of any numeric type to float32 [cols, rows], converting on the way (one pass, no float copy of
    /// the stored layout), by 64×64 tiles; each tile writes runs of one destination row.
    /// </summary>
    public static float[] TransposeToFloat<T>(T[] source, long rows, long cols) where T : INumberBase<T>
    {
        if (source.LongLength != rows * cols) throw new ArgumentException($"{source.LongLength} values are not {rows} x {cols}", nameof(source));
        var result = new float[source.Length];
        TransposeToFloatInto<T>(source, rows, cols, result, rows, 0);
        return result;
    }

    /// <summary>
    /// Writes source[r, c] (any numeric type, converted) to destination[c * <paramref name="stride"/> + <paramref name="offset"/> + r]:
    /// a block of rows lands inside longer channel rows without an intermediate copy.
    /// </summary>
    public static void TransposeToFloatInto<T>(ReadOnlySpan<T> source, long rows, long cols, Span<float> destination, long stride, long offset)
        where T : INumberBase<T>
    {
        int height = checked((int)rows), width = checked((int)cols);
        for (int r0 = 0; r0 < height; r0 += Tile)
        {
            int r1 = Math.Min(r0 + Tile, height);
            for (int c0 = 0; c0 < width; c0 += Tile)
            {
                int c1 = Math.Min(c0 + Tile, width);
                for (int c = c0; c < c1; c++)
                {
                    var row = destination.Slice(checked((int)(c * stride + offset + r0)), r1 - r0);
                    for (int r = 0; r < row.Length; r++) row[r] = float.CreateTruncating(source[(r0 + r) * width + c]);
                }
            }
        }
    }

    /// <summary>As <see cref="TransposeToFloatInto{T}"/> for float32 values.</summary>
    public static void TransposeInto(ReadOnlySpan<float> source, long rows, long cols, Span<float> destination, long stride, long offset) =>
        TransposeToFloatInto<float>(source, rows, cols, destination, stride, offset);

    /// <summary>Rows of <paramref name="cols"/> values of [rows, cols] (converted) to destination[r * stride + offset ...].</summary>
    public static void CopyRows<T>(ReadOnlySpan<T> source, long rows, long cols, Span<float> destination, long stride, long offset) where T : INumberBase<T>
    {
        int width = checked((int)cols);
        for (long r = 0; r < rows; r++)
        {
            var from = source.Slice(checked((int)(r * cols)), width);
            var to = destination.Slice(checked((int)(r * stride + offset)), width);
            if (typeof(T) == typeof(float)) MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(from)), width).CopyTo(to);
            else for (int i = 0; i < width; i++) to[i] = float.CreateTruncating(from[i]);
        }
    }

    /// <summary>Little- or big-endian int16 values to float32 (exact).</summary>
    public static void Int16ToFloat(ReadOnlySpan<byte> bytes, Span<float> destination, bool bigEndian)
    {
        var values = MemoryMarshal.Cast<byte, short>(bytes);
        bool swap = bigEndian == BitConverter.IsLittleEndian;
        for (int i = 0; i < destination.Length; i++) destination[i] = swap ? BinaryPrimitives.ReverseEndianness(values[i]) : values[i];
    }

    /// <summary>Little- or big-endian float32 values.</summary>
    public static void Float32(ReadOnlySpan<byte> bytes, Span<float> destination, bool bigEndian)
    {
        if (bigEndian != BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(bytes)[..destination.Length].CopyTo(destination);
            return;
        }
        for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleBigEndian(bytes[(i * 4)..]);
    }
}
