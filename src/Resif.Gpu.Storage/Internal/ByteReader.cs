using System.Buffers.Binary;
using System.Text;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>Little-endian cursor over a byte buffer; running past the end is data corruption naming <see cref="Source"/>.</summary>
internal sealed class ByteReader(byte[] buffer, string source, int start = 0, int? end = null)
{
    private readonly int _end = end ?? buffer.Length;

    public int Position { get; set; } = start;

    public string Source => source;

    public int Remaining => _end - Position;

    public ReadOnlySpan<byte> Take(long count)
    {
        if (count < 0 || count > Remaining)
            throw new DataCorruptionException($"{source}: reading {count} bytes past end of serialized data at offset {Position} (only {Remaining} left)");
        var span = buffer.AsSpan(Position, (int)count);
        Position += (int)count;
        return span;
    }

    public byte U8() => Take(1)[0];

    public bool Bool() => U8() != 0;

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>A u64 that must be a usable non-negative size or offset.</summary>
    public long Size()
    {
        ulong value = U64();
        return value <= int.MaxValue * 64UL ? (long)value : throw new DataCorruptionException($"{source}: implausible size {value} at offset {Position - 8}");
    }

    public string Utf8(long count) => Encoding.UTF8.GetString(Take(count));
}
