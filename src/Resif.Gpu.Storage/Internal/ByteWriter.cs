using System.Buffers.Binary;
using System.Text;

namespace Resif.Gpu.Storage.Internal;

/// <summary>Little-endian serializer into a growable buffer.</summary>
internal sealed class ByteWriter
{
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    public ByteWriter U8(byte value) { _stream.WriteByte(value); return this; }

    public ByteWriter Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    public ByteWriter U32(uint value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, value); _stream.Write(b); return this; }

    public ByteWriter I32(int value) => U32(unchecked((uint)value));

    public ByteWriter U64(ulong value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, value); _stream.Write(b); return this; }

    public ByteWriter I64(long value) => U64(unchecked((ulong)value));

    public ByteWriter Bytes(ReadOnlySpan<byte> bytes) { _stream.Write(bytes); return this; }

    public ByteWriter Utf8(string text) => Bytes(Encoding.UTF8.GetBytes(text));

    public byte[] ToArray() => _stream.ToArray();
}
