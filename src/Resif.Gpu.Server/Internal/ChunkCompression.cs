using Resif.Gpu.Storage;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// Which chunks of a zstd stream go compressed: only those zstd shrinks by at least a tenth; the others go as they
/// are (<c>DataChunk.uncompressed_size</c> 0), so neither side pays for a compression that saves nothing. Filtered
/// float32 results are noise-like (zstd leaves ~93 % of their bytes), so after a chunk that did not pay the next tries
/// come further and further apart (1, 2, 4, … 32 chunks later): a 48-chunk result is tried 6 times, not 48. A chunk
/// that pays resets the interval.
/// </summary>
internal sealed class ChunkCompression(int level)
{
    private const int LongestSkip = 32;

    private int _skip;
    private int _untilNextTry;

    /// <summary>The zstd frame of <paramref name="chunk"/>, or null to send it as it is.</summary>
    public byte[]? TryCompress(ReadOnlySpan<byte> chunk)
    {
        if (_untilNextTry > 0)
        {
            _untilNextTry--;
            return null;
        }
        var frame = ZstdFrames.Compress(chunk, level);
        if (frame.Length <= chunk.Length - chunk.Length / 10)
        {
            _skip = 0;
            return frame;
        }
        _skip = Math.Clamp(2 * _skip, 1, LongestSkip);
        _untilNextTry = _skip;
        return null;
    }
}
