using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Blosc-style byte shuffle (byte k of every element, then byte k+1...) and bitshuffle (bit k of every element within
/// blocks of elements), as TileDB applies them per data part; bytes that do not fill a whole element (or group of 8) stay in place.
/// </summary>
internal static class Shuffles
{
    public static void ByteShuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize)
    {
        int count = src.Length / elementSize;
        int done = elementSize == 4 && Ssse3.IsSupported ? ShuffleFourByteVectors(src, dst, count) : 0;
        for (int i = done; i < count; i++)
            for (int b = 0; b < elementSize; b++) dst[b * count + i] = src[i * elementSize + b];
        src[(count * elementSize)..].CopyTo(dst[(count * elementSize)..]);
    }

    /// <summary>
    /// Bytes [<paramref name="from"/>, + <paramref name="dst"/>.Length) of the byte-shuffled part <paramref name="src"/>
    /// unshuffled into <paramref name="dst"/> (the whole part by default; <paramref name="from"/> a whole element's
    /// offset): the whole elements from their byte planes, the bytes past the last whole element, which the shuffle
    /// leaves in place, as they are.
    /// </summary>
    public static void ByteUnshuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize, int from = 0)
    {
        int whole = src.Length / elementSize * elementSize;
        int inElements = Math.Max(0, Math.Min(from + dst.Length, whole) - from);
        ByteUnshuffleElements(src, dst[..inElements], elementSize, from / elementSize);
        src[(from + inElements)..(from + dst.Length)].CopyTo(dst[inElements..]);
    }

    /// <summary>
    /// Elements [<paramref name="first"/>, + <paramref name="dst"/>.Length / <paramref name="elementSize"/>) of the
    /// byte-shuffled part <paramref name="src"/> (each byte plane <paramref name="src"/>.Length / elementSize long) into
    /// <paramref name="dst"/>: a reader unshuffles the rows it needs straight into their places.
    /// </summary>
    public static void ByteUnshuffleElements(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize, int first)
    {
        int plane = src.Length / elementSize, count = dst.Length / elementSize;
        if (dst.Length != count * elementSize || first < 0 || first > plane - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"elements [{first}, +{dst.Length / (double)elementSize}) of a part of {plane}");
        int done = elementSize == 4 && Sse2.IsSupported ? UnshuffleFourByteVectors(src, dst, plane, first, count) : 0;
        for (int i = done; i < count; i++)
            for (int b = 0; b < elementSize; b++) dst[i * elementSize + b] = src[b * plane + first + i];
    }

    /// <summary>
    /// The write path of float32 tiles, the inverse of <see cref="UnshuffleFourByteVectors"/>: gathers each element's
    /// bytes by position within every 4-element vector (one byte shuffle), then transposes the four vectors' 32-bit
    /// lanes, so that lane k holds byte k of 16 elements. Returns how many elements it did.
    /// </summary>
    private static unsafe int ShuffleFourByteVectors(ReadOnlySpan<byte> src, Span<byte> dst, int count)
    {
        int vectors = count / 16;
        var byPosition = Vector128.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        fixed (byte* input = src)
        fixed (byte* output = dst)
        {
            byte* d0 = output, d1 = output + count, d2 = output + 2 * count, d3 = output + 3 * count;
            for (int v = 0; v < vectors; v++)
            {
                int i = v * 16;
                byte* s = input + 4 * i;
                var a = Ssse3.Shuffle(Sse2.LoadVector128(s), byPosition).AsUInt32();
                var b = Ssse3.Shuffle(Sse2.LoadVector128(s + 16), byPosition).AsUInt32();
                var c = Ssse3.Shuffle(Sse2.LoadVector128(s + 32), byPosition).AsUInt32();
                var d = Ssse3.Shuffle(Sse2.LoadVector128(s + 48), byPosition).AsUInt32();
                var abLow = Sse2.UnpackLow(a, b).AsUInt64();
                var cdLow = Sse2.UnpackLow(c, d).AsUInt64();
                var abHigh = Sse2.UnpackHigh(a, b).AsUInt64();
                var cdHigh = Sse2.UnpackHigh(c, d).AsUInt64();
                Sse2.Store(d0 + i, Sse2.UnpackLow(abLow, cdLow).AsByte());
                Sse2.Store(d1 + i, Sse2.UnpackHigh(abLow, cdLow).AsByte());
                Sse2.Store(d2 + i, Sse2.UnpackLow(abHigh, cdHigh).AsByte());
                Sse2.Store(d3 + i, Sse2.UnpackHigh(abHigh, cdHigh).AsByte());
            }
        }
        return vectors * 16;
    }

    /// <summary>
    /// The read path of float32 tiles: interleaves 16 elements at a time from the four byte planes (each
    /// <paramref name="plane"/> bytes, read from element <paramref name="first"/> on) with two rounds of unpacks (bytes,
    /// then byte pairs). Returns how many of the <paramref name="count"/> elements it did; the caller does the rest one by one.
    /// </summary>
    private static unsafe int UnshuffleFourByteVectors(ReadOnlySpan<byte> src, Span<byte> dst, int plane, int first, int count)
    {
        int vectors = count / 16;
        fixed (byte* input = src)
        fixed (byte* output = dst)
        {
            byte* s0 = input + first, s1 = s0 + plane, s2 = s1 + plane, s3 = s2 + plane;
            for (int v = 0; v < vectors; v++)
            {
                int i = v * 16;
                var a = Sse2.LoadVector128(s0 + i);
                var b = Sse2.LoadVector128(s1 + i);
                var c = Sse2.LoadVector128(s2 + i);
                var d = Sse2.LoadVector128(s3 + i);
                var abLow = Sse2.UnpackLow(a, b).AsUInt16();
                var abHigh = Sse2.UnpackHigh(a, b).AsUInt16();
                var cdLow = Sse2.UnpackLow(c, d).AsUInt16();
                var cdHigh = Sse2.UnpackHigh(c, d).AsUInt16();
                byte* o = output + 4 * i;
                Sse2.Store(o, Sse2.UnpackLow(abLow, cdLow).AsByte());
                Sse2.Store(o + 16, Sse2.UnpackHigh(abLow, cdLow).AsByte());
                Sse2.Store(o + 32, Sse2.UnpackLow(abHigh, cdHigh).AsByte());
                Sse2.Store(o + 48, Sse2.UnpackHigh(abHigh, cdHigh).AsByte());
            }
        }
        return vectors * 16;
    }

    /// <summary>
    /// Bitshuffle of one part: blocks of (8192 / element size, rounded down to a multiple of 8, at least 128) elements,
    /// then one smaller block of the remaining multiple of 8; within a block of n elements, bit k of byte j of element i
    /// goes to bit (8j + k) * n + i of the block (bits numbered least significant first). Leftover bytes stay as they are.
    /// </summary>
    public static void BitShuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize) => Blocks(src, dst, elementSize, shuffle: true);

    public static void BitUnshuffle(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize) => Blocks(src, dst, elementSize, shuffle: false);

    private static void Blocks(ReadOnlySpan<byte> src, Span<byte> dst, int elementSize, bool shuffle)
    {
        long elements = src.Length / elementSize;
        long blockSize = Math.Max(128, 8192 / elementSize / 8 * 8);
        long done = 0;
        while (elements - done >= 8)
        {
            long n = Math.Min(blockSize, (elements - done) / 8 * 8);
            var from = src.Slice((int)(done * elementSize), (int)(n * elementSize));
            var to = dst.Slice((int)(done * elementSize), (int)(n * elementSize));
            TransposeBits(from, to, (int)n, elementSize, shuffle);
            done += n;
        }
        src[(int)(done * elementSize)..].CopyTo(dst[(int)(done * elementSize)..]);
    }

    private static void TransposeBits(ReadOnlySpan<byte> src, Span<byte> dst, int n, int elementSize, bool shuffle)
    {
        dst.Clear();
        int bits = 8 * elementSize;
        for (int i = 0; i < n; i++)
            for (int r = 0; r < bits; r++)
            {
                long elementBit = (long)i * bits + r;  // bit r of element i, unshuffled position
                long rowBit = (long)r * n + i;         // shuffled position
                long from = shuffle ? elementBit : rowBit, to = shuffle ? rowBit : elementBit;
                if ((src[(int)(from >> 3)] >> (int)(from & 7) & 1) != 0) dst[(int)(to >> 3)] |= (byte)(1 << (int)(to & 7));
            }
    }
}
