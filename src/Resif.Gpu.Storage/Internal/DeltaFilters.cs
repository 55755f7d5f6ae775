using System.Buffers.Binary;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Delta and double-delta "compressors" (format_spec/filters/delta.md, double_delta.md). Like every TileDB compression
/// filter they wrap each part with the compressor metadata header (see <see cref="FilterCodec"/>); this class encodes
/// and decodes one part. Arithmetic wraps at the value width, which is what the writer's integer arithmetic does too.
/// </summary>
internal static class DeltaFilters
{
    private static long Load(ReadOnlySpan<byte> b, int size) => size switch
    {
        1 => (sbyte)b[0], 2 => BinaryPrimitives.ReadInt16LittleEndian(b), 4 => BinaryPrimitives.ReadInt32LittleEndian(b), _ => BinaryPrimitives.ReadInt64LittleEndian(b),
    };

    private static void Store(Span<byte> b, int size, long value)
    {
        switch (size)
        {
            case 1: b[0] = unchecked((byte)value); break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(b, unchecked((short)value)); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(b, unchecked((int)value)); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(b, value); break;
        }
    }

    private static int IntegerSize(TileDbDatatype type, string filter) => TileDbTypes.IsInteger(type) || type is TileDbDatatype.Char or TileDbDatatype.Bool or TileDbDatatype.Blob or TileDbDatatype.StringAscii
        ? TileDbTypes.Size(type)
        : throw new NotSupportedException($"{filter} on {type} values (needs an integer type or reinterpretation)");

    /// <summary>Delta part: [u64 n][in_0][in_1 - in_0]...[in_n-1 - in_n-2].</summary>
    public static byte[] DecodeDelta(ReadOnlySpan<byte> part, int originalLength, TileDbDatatype type, string source)
    {
        int size = IntegerSize(type, "delta filter");
        if (part.Length < 8) throw new DataCorruptionException($"{source}: delta part of {part.Length} bytes has no value count");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(part);
        if (n * (ulong)size != (ulong)originalLength || part.Length != 8 + originalLength)
            throw new DataCorruptionException($"{source}: delta part holds {part.Length} bytes for {n} values of {size} bytes, expected {originalLength} bytes out");
        var output = new byte[originalLength];
        long value = 0;
        for (int i = 0; i < (int)n; i++)
        {
            value = unchecked(value + Load(part[(8 + i * size)..], size));
            Store(output.AsSpan(i * size), size, value);
        }
        return output;
    }

    public static byte[] EncodeDelta(ReadOnlySpan<byte> input, TileDbDatatype type)
    {
        int size = IntegerSize(type, "delta filter");
        int n = input.Length / size;
        if (n * size != input.Length) throw new NotSupportedException($"delta filter: {input.Length} bytes is not a whole number of {size}-byte values");
        var output = new byte[8 + input.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(output, (ulong)n);
        long previous = 0;
        for (int i = 0; i < n; i++)
        {
            long value = Load(input[(i * size)..], size);
            Store(output.AsSpan(8 + i * size), size, unchecked(value - previous));
            previous = value;
        }
        return output;
    }

    /// <summary>
    /// Double-delta part: [u8 bitsize][u64 n][in_0][in_1] then, per later value, a sign bit and bitsize magnitude bits
    /// of (in_i - in_i-1) - (in_i-1 - in_i-2), packed most significant bit first into little-endian u64 words. A bitsize
    /// of (8 x value size - 1) means the values follow raw.
    /// </summary>
    public static byte[] DecodeDoubleDelta(ReadOnlySpan<byte> part, int originalLength, TileDbDatatype type, string source)
    {
        int size = IntegerSize(type, "double-delta filter");
        if (part.Length < 9) throw new DataCorruptionException($"{source}: double-delta part of {part.Length} bytes has no header");
        int bitsize = part[0];
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(part[1..]);
        if (n * (ulong)size != (ulong)originalLength) throw new DataCorruptionException($"{source}: double-delta part holds {n} values, expected {originalLength} bytes out");
        var output = new byte[originalLength];
        var body = part[9..];
        if (bitsize == 8 * size - 1)
        {
            if (body.Length != originalLength) throw new DataCorruptionException($"{source}: raw double-delta part has {body.Length} bytes, expected {originalLength}");
            body.CopyTo(output);
            return output;
        }
        if (bitsize > 63) throw new DataCorruptionException($"{source}: double-delta bit size {bitsize} is impossible");
        int head = (int)Math.Min(n, 2UL);
        if (body.Length < head * size) throw new DataCorruptionException($"{source}: double-delta part is truncated");
        body[..(head * size)].CopyTo(output);
        if (n <= 2) return output;
        var bits = new BitReader(body[(head * size)..], source);
        long previous = Load(output.AsSpan(size), size);
        long delta = unchecked(previous - Load(output, size));
        for (int i = 2; i < (int)n; i++)
        {
            bool negative = bits.Read(1) == 1;
            long magnitude = (long)bits.Read(bitsize);
            delta = unchecked(delta + (negative ? -magnitude : magnitude));
            previous = unchecked(previous + delta);
            Store(output.AsSpan(i * size), size, previous);
        }
        return output;
    }

    public static byte[] EncodeDoubleDelta(ReadOnlySpan<byte> input, TileDbDatatype type)
    {
        int size = IntegerSize(type, "double-delta filter");
        int n = input.Length / size;
        if (n * size != input.Length) throw new NotSupportedException($"double-delta filter: {input.Length} bytes is not a whole number of {size}-byte values");
        var values = new long[n];
        for (int i = 0; i < n; i++) values[i] = Load(input[(i * size)..], size);
        var doubleDeltas = new long[Math.Max(0, n - 2)];
        for (int i = 2; i < n; i++) doubleDeltas[i - 2] = unchecked(values[i] - 2 * values[i - 1] + values[i - 2]);
        int bitsize = 0;
        foreach (long dd in doubleDeltas)
        {
            ulong magnitude = dd < 0 ? unchecked((ulong)-dd) : (ulong)dd;
            bitsize = Math.Max(bitsize, 64 - System.Numerics.BitOperations.LeadingZeroCount(magnitude));
        }
        var w = new ByteWriter().U8((byte)Math.Min(bitsize, 8 * size - 1)).U64((ulong)n);
        if (bitsize >= 8 * size - 1) return w.Bytes(input).ToArray();
        w.Bytes(input[..(Math.Min(n, 2) * size)]);
        var bits = new BitWriter();
        foreach (long dd in doubleDeltas)
        {
            bits.Write(dd < 0 ? 1UL : 0, 1);
            bits.Write(dd < 0 ? unchecked((ulong)-dd) : (ulong)dd, bitsize);
        }
        return w.Bytes(bits.ToArray()).ToArray();
    }

    /// <summary>Reads bits most significant first from consecutive little-endian u64 words.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> bytes, string source)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private long _bit;

        public ulong Read(int count)
        {
            ulong value = 0;
            for (int i = 0; i < count; i++, _bit++)
            {
                int word = (int)(_bit / 64);
                if ((word + 1) * 8 > _bytes.Length) throw new DataCorruptionException($"{source}: double-delta bit stream is truncated");
                ulong chunk = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[(word * 8)..]);
                value = (value << 1) | ((chunk >> (63 - (int)(_bit % 64))) & 1);
            }
            return value;
        }
    }

    private sealed class BitWriter
    {
        private readonly List<ulong> _words = [];
        private long _bit;

        public void Write(ulong value, int count)
        {
            for (int i = count - 1; i >= 0; i--, _bit++)
            {
                if (_bit % 64 == 0) _words.Add(0);
                if (((value >> i) & 1) != 0) _words[^1] |= 1UL << (63 - (int)(_bit % 64));
            }
        }

        public byte[] ToArray()
        {
            var bytes = new byte[_words.Count * 8];
            for (int i = 0; i < _words.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), _words[i]);
            return bytes;
        }
    }
}
