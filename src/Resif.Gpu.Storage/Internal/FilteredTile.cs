using System.Buffers;
using System.Buffers.Binary;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// A filtered tile: [u64 chunk count] then per chunk [u32 original][u32 filtered][u32 metadata length][metadata][data]
/// (format_spec/tile.md). Chunks are indexed first so a reader decodes only the chunks covering the bytes it needs.
/// </summary>
internal sealed class FilteredTile
{
    private readonly byte[] _bytes;
    private readonly string _source;
    private readonly bool _verifyChecksums;
    private readonly bool[] _verified; // chunks whose checksums VerifyChecksumsTogether has checked
    private readonly (long OriginalOffset, int Original, int HeaderPosition, int Filtered, int MetadataLength)[] _chunks;

    public long OriginalLength { get; }

    public FilteredTile(byte[] bytes, string source) : this(bytes, bytes.Length, source) { }

    /// <summary>
    /// A tile in the first <paramref name="length"/> bytes of <paramref name="bytes"/> (e.g. a pooled buffer); without
    /// <paramref name="verifyChecksums"/> its checksum filters are stepped over unchecked.
    /// </summary>
    public FilteredTile(byte[] bytes, int length, string source, bool verifyChecksums = true)
    {
        _bytes = bytes;
        _source = source;
        _verifyChecksums = verifyChecksums;
        var r = new ByteReader(bytes, source, 0, length);
        long count = r.Size();
        if (count > length / 12 + 1) throw new DataCorruptionException($"{source}: implausible chunk count {count}");
        _chunks = new (long, int, int, int, int)[count];
        long original = 0;
        for (int i = 0; i < count; i++)
        {
            int originalLength = (int)r.U32(), filtered = (int)r.U32(), metadata = (int)r.U32();
            if (originalLength < 0 || filtered < 0 || metadata < 0) throw new DataCorruptionException($"{source}: chunk {i} has an implausible header");
            _chunks[i] = (original, originalLength, r.Position, filtered, metadata);
            MaxChunkLength = Math.Max(MaxChunkLength, originalLength);
            r.Take((long)filtered + metadata);
            original += originalLength;
        }
        OriginalLength = original;
        _verified = new bool[count];
    }

    /// <summary>
    /// Checks the checksums of the chunks overlapping unfiltered bytes [<paramref name="start"/>, <paramref name="end"/>)
    /// all together where the pipeline allows it (<see cref="FilterCodec.TryVerifySha256Together"/>); those chunks then
    /// decode without checking them again. Elsewhere each chunk checks its own as it decodes.
    /// </summary>
    public void VerifyChecksumsTogether(TileDbFilterPipeline pipeline, long start, long end)
    {
        if (!_verifyChecksums || start >= end) return;
        CheckRange(start, end);
        int first = ChunkAt(start), last = ChunkAt(end - 1);
        var chunks = new (int, int, int, int)[last - first + 1];
        for (int i = first; i <= last; i++)
        {
            var c = _chunks[i];
            chunks[i - first] = (c.HeaderPosition, c.MetadataLength, c.HeaderPosition + c.MetadataLength, c.Filtered);
        }
        if (!FilterCodec.TryVerifySha256Together(pipeline, _bytes, chunks, _source)) return;
        for (int i = first; i <= last; i++) _verified[i] = true;
    }

    public int ChunkCount => _chunks.Length;

    public int MaxChunkLength { get; }

    /// <summary>Where chunk <paramref name="index"/> sits in the unfiltered tile.</summary>
    public (long Offset, int Length) ChunkRange(int index) => (_chunks[index].OriginalOffset, _chunks[index].Original);

    /// <summary>The index of the chunk holding unfiltered byte <paramref name="offset"/>.</summary>
    public int ChunkAt(long offset)
    {
        int low = 0, high = _chunks.Length - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (_chunks[middle].OriginalOffset <= offset) low = middle;
            else high = middle - 1;
        }
        return low;
    }

    /// <summary>
    /// The unfiltered bytes of chunk <paramref name="index"/>: the stored bytes themselves when the pipeline leaves
    /// them as they are (checksums verified), else decoded into <paramref name="scratch"/> (at least the chunk's length).
    /// </summary>
    public ReadOnlySpan<byte> Chunk(int index, TileDbFilterPipeline pipeline, TileDbDatatype type, Span<byte> scratch)
    {
        var c = _chunks[index];
        var output = scratch[..c.Original];
        var stored = FilterCodec.ReverseOrPassThrough(pipeline, _bytes.AsSpan(c.HeaderPosition, c.MetadataLength),
            _bytes.AsSpan(c.HeaderPosition + c.MetadataLength, c.Filtered), type, _source, output, _verifyChecksums && !_verified[index]);
        return stored.IsEmpty ? output : stored;
    }

    /// <summary>
    /// Writes rows of the unfiltered tile (each <paramref name="rowBytes"/> from <c>From</c>, in increasing order, not
    /// overlapping) straight to their <c>To</c> where the pipeline decodes into pieces
    /// (<see cref="FilterCodec.TryReverseIntoPieces"/>), decoding each chunk the rows touch once. Answers false when it
    /// cannot; rows may then be partly written, and the caller writes them all again the general way.
    /// </summary>
    public bool TryDecodeRowsInto(TileDbFilterPipeline pipeline, TileDbDatatype type, IReadOnlyList<(long From, nint To)> rows, long rowBytes)
    {
        if (rows.Count == 0) return false;
        CheckRange(rows[0].From, rows[^1].From + rowBytes);
        var pieces = new List<FilterCodec.ChunkPiece>();
        int row = 0;
        for (int index = ChunkAt(rows[0].From); index < _chunks.Length && row < rows.Count; index++)
        {
            var c = _chunks[index];
            long chunkEnd = c.OriginalOffset + c.Original;
            pieces.Clear();
            for (int r = row; r < rows.Count && rows[r].From < chunkEnd; r++)
            {
                long from = Math.Max(rows[r].From, c.OriginalOffset), to = Math.Min(rows[r].From + rowBytes, chunkEnd);
                if (from < to) pieces.Add(new((int)(from - c.OriginalOffset), (int)(to - from), rows[r].To + (nint)(from - rows[r].From)));
            }
            while (row < rows.Count && rows[row].From + rowBytes <= chunkEnd) row++; // rows that end in this chunk are done
            if (pieces.Count == 0) continue;
            if (!FilterCodec.TryReverseIntoPieces(pipeline, _bytes.AsSpan(c.HeaderPosition, c.MetadataLength), _bytes.AsSpan(c.HeaderPosition + c.MetadataLength, c.Filtered),
                type, _source, c.Original, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pieces), _verifyChecksums && !_verified[index])) return false;
        }
        return true;
    }

    /// <summary>Unfiltered bytes [start, end) of the tile, decoding only the chunks that overlap them.</summary>
    public byte[] Decode(TileDbFilterPipeline pipeline, TileDbDatatype type, long start, long end)
    {
        CheckRange(start, end);
        var output = new byte[end - start];
        DecodeInto(pipeline, type, start, end, output);
        return output;
    }

    /// <summary>Writes unfiltered bytes [start, end) into <paramref name="output"/>; chunks wholly inside are decoded in place.</summary>
    public void DecodeInto(TileDbFilterPipeline pipeline, TileDbDatatype type, long start, long end, Span<byte> output)
    {
        CheckRange(start, end);
        if (output.Length != end - start) throw new ArgumentException($"output holds {output.Length} bytes, [{start}, {end}) needs {end - start}");
        for (int index = 0; index < _chunks.Length; index++)
        {
            var c = _chunks[index];
            bool verify = _verifyChecksums && !_verified[index];
            long chunkEnd = c.OriginalOffset + c.Original;
            if (chunkEnd <= start || c.OriginalOffset >= end) continue;
            var metadata = _bytes.AsSpan(c.HeaderPosition, c.MetadataLength);
            var data = _bytes.AsSpan(c.HeaderPosition + c.MetadataLength, c.Filtered);
            long from = Math.Max(start, c.OriginalOffset), to = Math.Min(end, chunkEnd);
            if (from == c.OriginalOffset && to == chunkEnd)
            {
                FilterCodec.ReverseInto(pipeline, metadata, data, type, _source, output.Slice((int)(from - start), c.Original), verify);
                continue;
            }
            byte[] chunk = ArrayPool<byte>.Shared.Rent(c.Original);
            try
            {
                FilterCodec.ReverseInto(pipeline, metadata, data, type, _source, chunk.AsSpan(0, c.Original), verify);
                chunk.AsSpan((int)(from - c.OriginalOffset), (int)(to - from)).CopyTo(output[(int)(from - start)..]);
            }
            finally { ArrayPool<byte>.Shared.Return(chunk); }
        }
    }

    private void CheckRange(long start, long end)
    {
        if (start < 0 || end > OriginalLength || start > end)
            throw new DataCorruptionException($"{_source}: tile holds {OriginalLength} bytes, bytes [{start}, {end}) were needed");
    }

    /// <summary>
    /// Filters a whole tile. Chunks hold whole cells (format v11+): the chunk size is the pipeline's maximum rounded down
    /// to a multiple of the cell size (at least one cell).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> tile, TileDbFilterPipeline pipeline, TileDbDatatype type, int cellSize)
    {
        var (buffer, length) = EncodePooled(tile, pipeline, type, cellSize);
        try { return buffer.AsSpan(0, length).ToArray(); }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>The length of a tile's chunks, but the last: the pipeline's maximum rounded down to whole cells (at least one).</summary>
    public static int ChunkSize(TileDbFilterPipeline pipeline, int cellSize) => Math.Max(cellSize, (int)(pipeline.MaxChunkSize / (uint)cellSize) * cellSize);

    /// <summary>As <see cref="Encode"/>, into a buffer rented from <see cref="ArrayPool{T}.Shared"/> that the caller returns.</summary>
    public static (byte[] Buffer, int Length) EncodePooled(ReadOnlySpan<byte> tile, TileDbFilterPipeline pipeline, TileDbDatatype type, int cellSize)
    {
        int chunkSize = ChunkSize(pipeline, cellSize);
        int count = tile.Length == 0 ? 0 : (tile.Length + chunkSize - 1) / chunkSize;
        using var output = new PooledWriter(8 + tile.Length + count * 128);
        BinaryPrimitives.WriteUInt64LittleEndian(output.Reserve(8), (ulong)count);
        output.Advance(8);
        var deferredSha256 = FilterCodec.CanDeferSha256(pipeline) ? new List<(int, int, int)>(2 * count) : null;
        for (int i = 0; i < count; i++)
            FilterCodec.ForwardInto(pipeline, tile.Slice(i * chunkSize, Math.Min(chunkSize, tile.Length - i * chunkSize)), type, output, deferredSha256);
        var (buffer, length) = output.Detach();
        if (deferredSha256 is not null) FilterCodec.FillDeferredSha256(buffer.AsSpan(0, length), deferredSha256);
        return (buffer, length);
    }
}
