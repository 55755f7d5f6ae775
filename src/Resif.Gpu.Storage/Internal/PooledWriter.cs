using System.Buffers;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// An append-only byte buffer rented from <see cref="ArrayPool{T}.Shared"/>: tiles are encoded into it without a fresh
/// large-object allocation each. <see cref="Detach"/> hands the buffer to the caller, who returns it to the pool.
/// </summary>
internal sealed class PooledWriter(int capacity) : IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

    public int Length { get; private set; }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledWriter));

    /// <summary>A span of at least <paramref name="size"/> bytes at the end; <see cref="Advance"/> commits what was written.</summary>
    public Span<byte> Reserve(int size)
    {
        if (Buffer.Length - Length < size)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(checked(Math.Max(Buffer.Length * 2, Length + size)));
            Buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Buffer);
            _buffer = larger;
        }
        return Buffer.AsSpan(Length, size);
    }

    public void Advance(int count) => Length += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        Length += bytes.Length;
    }

    public (byte[] Buffer, int Length) Detach()
    {
        var result = (Buffer, Length);
        _buffer = null;
        return result;
    }

    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
