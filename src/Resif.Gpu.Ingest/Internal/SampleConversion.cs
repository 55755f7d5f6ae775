using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Resif.Gpu.Ingest.Internal;

/// <summary>Sample conversions shared by the readers: stored numbers to float32, and time-major to channel-major.</summary>
internal static class SampleConversion
{
    private const int Tile = 64;

    /// <summary>
    /// [rows, cols] C order to [cols, rows], by 64×64 tiles so that both sides stay in cache (a plain double loop
    /// strides a whole row per write and runs several times slower on thousands of channels).
    /// </summary>
    public static float[] Transpose(ReadOnlySpan<float> source, long rows, long cols)
    {
        var result = new float[source.Length];
        TransposeInto(source, rows, cols, result, rows, 0);
        return result;
    }

    /// <summary>
    /// Writes source[r, c] to destination[c * <paramref name="stride"/> + <paramref name="offset"/> + r]: a block of
    /// rows lands inside longer channel rows without an intermediate copy.
    /// </summary>
    public static void TransposeInto(ReadOnlySpan<float> source, long rows, long cols, Span<float> destination, long stride, long offset)
    {
        for (long r0 = 0; r0 < rows; r0 += Tile)
        {
            long r1 = Math.Min(r0 + Tile, rows);
            for (long c0 = 0; c0 < cols; c0 += Tile)
            {
                long c1 = Math.Min(c0 + Tile, cols);
                for (long r = r0; r < r1; r++)
                {
                    var row = source.Slice(checked((int)(r * cols)), checked((int)cols));
                    for (long c = c0; c < c1; c++) destination[checked((int)(c * stride + offset + r))] = row[(int)c];
                }
            }
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
