namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Blosc-style byte shuffle (byte k of every element, then byte k+1...) and bitshuffle (bit k of every element within
/// blocks of elements), as TileDB applies them per data part; bytes that do not fill a whole element/group stay in place.
/// </summary>
internal static class Shuffles
{
    public static void ByteShuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize)
    {
        int count = src.Length / elementSize;
        for (int i = 0; i < count; i++)
            for (int b = 0; b < elementSize; b++) dst[b * count + i] = src[i * elementSize + b];
        src[(count * elementSize)..].CopyTo(dst[(count * elementSize)..]);
    }

    public static void ByteUnshuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize)
    {
        int count = src.Length / elementSize;
        for (int i = 0; i < count; i++)
            for (int b = 0; b < elementSize; b++) dst[i * elementSize + b] = src[b * count + i];
        src[(count * elementSize)..].CopyTo(dst[(count * elementSize)..]);
    }

    public static void BitShuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize) =>
        throw new NotSupportedException("bitshuffle is not supported yet");

    public static void BitUnshuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize) =>
        throw new NotSupportedException("bitshuffle is not supported yet");
}
