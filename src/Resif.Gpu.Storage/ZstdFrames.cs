using System.Buffers;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage;

/// <summary>
/// Standalone zstd frames with the store's codec: native libzstd when it loads (about twice as fast as the managed
/// port at level 1), else ZstdSharp (see <see cref="TileDbArray.ZstdImplementation"/>). Any zstd decoder reads them.
/// </summary>
public static class ZstdFrames
{
    /// <summary>One frame holding <paramref name="source"/>, compressed at <paramref name="level"/>, in an array of its exact length.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> source, int level)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ZstdCodec.CompressBound(source.Length));
        try
        {
            return buffer.AsSpan(0, ZstdCodec.Compress(source, buffer, level)).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
