using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Reads the rows of a tile whose filters leave its bytes as they are (no filters, or only "none") straight from the
/// file into their places in the result, in one scatter read per run of needed chunks: no staging buffer, no second
/// copy. The chunk headers are read alongside and checked against the layout a writer gives such a tile; any other
/// layout (or a short read) answers false, and the caller reads the tile the general way.
/// </summary>
internal static unsafe class PlainTileReader
{
    private const int ChunkHeaderBytes = 12, CountBytes = 8;

    /// <summary>At most this many buffers per call: Linux's IOV_MAX.</summary>
    private const int MaxBuffersPerRead = 1024;

    public static bool Applies(TileDbFilterPipeline pipeline) => pipeline.Filters.All(f => f.Type == TileDbFilterType.None);

    /// <summary>
    /// Reads the tile stored at [<paramref name="tileStart"/>, + <paramref name="storedBytes"/>) of the file, whose
    /// unfiltered length is <paramref name="tileBytes"/>: each row's <paramref name="rowBytes"/> unfiltered bytes from
    /// <c>From</c> go to <c>To</c>. Rows must come in increasing order and not overlap.
    /// </summary>
    public static bool TryReadRows(SafeFileHandle handle, long tileStart, long storedBytes, long tileBytes, int chunkSize,
        IReadOnlyList<(long From, nint To)> rows, long rowBytes)
    {
        long chunks = (tileBytes + chunkSize - 1) / chunkSize;
        if (rows.Count == 0 || rowBytes <= 0 || storedBytes != CountBytes + chunks * ChunkHeaderBytes + tileBytes) return false;
        long destinationBytes = (long)rows[^1].To + rowBytes - (long)rows[0].To;
        if (destinationBytes > int.MaxValue) return false;
        int firstChunk = (int)(rows[0].From / chunkSize), lastChunk = (int)((rows[^1].From + rowBytes - 1) / chunkSize);

        using var destination = new PointerMemory((byte*)rows[0].To, (int)destinationBytes);
        byte[] headers = ArrayPool<byte>.Shared.Rent(CountBytes + (lastChunk - firstChunk + 1) * ChunkHeaderBytes);
        byte[] skipped = ArrayPool<byte>.Shared.Rent(chunkSize); // bytes of needed chunks outside the rows: read, then dropped
        try
        {
            var buffers = new List<Memory<byte>>();
            var chunkLengths = new List<uint>(); // of the chunks whose headers were read, in order
            long readFrom = -1;
            int headerBytes = 0, row = 0;
            bool countRead = false;
            for (int chunk = firstChunk; chunk <= lastChunk; chunk++)
            {
                long chunkFrom = (long)chunk * chunkSize, chunkTo = Math.Min(chunkFrom + chunkSize, tileBytes);
                while (row < rows.Count && rows[row].From + rowBytes <= chunkFrom) row++;
                if (row == rows.Count || rows[row].From >= chunkTo) // no row in this chunk: the next read starts further on
                {
                    if (!Flush(handle, buffers, ref readFrom)) return false;
                    continue;
                }
                if (readFrom < 0) readFrom = tileStart + CountBytes + chunk * (ChunkHeaderBytes + (long)chunkSize);
                if (chunk == 0)
                {
                    readFrom = tileStart;
                    buffers.Add(headers.AsMemory(headerBytes, CountBytes));
                    headerBytes += CountBytes;
                    countRead = true;
                }
                buffers.Add(headers.AsMemory(headerBytes, ChunkHeaderBytes));
                headerBytes += ChunkHeaderBytes;
                chunkLengths.Add((uint)(chunkTo - chunkFrom));
                for (long at = chunkFrom; at < chunkTo;)
                {
                    while (row < rows.Count && rows[row].From + rowBytes <= at) row++;
                    long rowFrom = row < rows.Count ? rows[row].From : long.MaxValue;
                    long piece;
                    if (at < rowFrom)
                    {
                        piece = Math.Min(rowFrom, chunkTo) - at;
                        buffers.Add(skipped.AsMemory(0, (int)piece));
                    }
                    else
                    {
                        piece = Math.Min(rowFrom + rowBytes, chunkTo) - at;
                        buffers.Add(destination.Memory.Slice((int)(rows[row].To + (nint)(at - rowFrom) - rows[0].To), (int)piece));
                    }
                    at += piece;
                }
            }
            return Flush(handle, buffers, ref readFrom) && HeadersMatch(headers.AsSpan(0, headerBytes), countRead ? chunks : null, chunkLengths);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(headers);
            ArrayPool<byte>.Shared.Return(skipped);
        }
    }

    // Reads the pending buffers from `readFrom` on, in calls of at most IOV_MAX buffers; the next read then starts
    // wherever the next needed chunk says.
    private static bool Flush(SafeFileHandle handle, List<Memory<byte>> buffers, ref long readFrom)
    {
        for (int first = 0; first < buffers.Count; first += MaxBuffersPerRead)
        {
            var batch = buffers.GetRange(first, Math.Min(MaxBuffersPerRead, buffers.Count - first));
            long bytes = batch.Sum(b => (long)b.Length);
            if (RandomAccess.Read(handle, batch, readFrom) != bytes) return false;
            readFrom += bytes;
        }
        buffers.Clear();
        readFrom = -1;
        return true;
    }

    // The chunk count (when the tile's start was read) and every chunk header read must be what a writer gives a tile
    // stored as is: the chunk's length twice (original, stored), no metadata.
    private static bool HeadersMatch(ReadOnlySpan<byte> headers, long? chunks, List<uint> chunkLengths)
    {
        if (chunks is { } count)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(headers) != (ulong)count) return false;
            headers = headers[CountBytes..];
        }
        foreach (uint length in chunkLengths)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(headers) != length || BinaryPrimitives.ReadUInt32LittleEndian(headers[4..]) != length
                || BinaryPrimitives.ReadUInt32LittleEndian(headers[8..]) != 0)
                return false;
            headers = headers[ChunkHeaderBytes..];
        }
        return true;
    }

    /// <summary>Unmanaged memory (the pinned result) as <see cref="Memory{T}"/>, which the scatter read takes.</summary>
    private sealed class PointerMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
