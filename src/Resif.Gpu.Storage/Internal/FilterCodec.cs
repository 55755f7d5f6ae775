using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Filter pipelines: their serialized form (format_spec/filter_pipeline.md) and how each filter transforms one chunk
/// (format_spec/tile.md). A filter turns (metadata, data) into (metadata', data'); reading runs the pipeline backwards.
/// </summary>
internal static class FilterCodec
{
    public static TileDbFilterPipeline ReadPipeline(ByteReader r)
    {
        uint maxChunk = r.U32();
        uint count = r.U32();
        if (count > 64) throw new DataCorruptionException($"{r.Source}: implausible filter count {count}");
        var filters = new List<TileDbFilter>();
        for (int i = 0; i < count; i++)
        {
            var type = (TileDbFilterType)r.U8();
            uint optionsSize = r.U32();
            var options = new ByteReader(r.Take(optionsSize).ToArray(), r.Source);
            if (IsCompressor(type) && optionsSize >= 5)
            {
                options.U8(); // compressor code, implied by the filter type
                int level = options.I32();
                TileDbDatatype? reinterpret = optionsSize >= 6 && options.U8() is var t and not 17 ? (TileDbDatatype)t : null;
                filters.Add(new TileDbFilter(type, level, reinterpret));
            }
            else filters.Add(new TileDbFilter(type));
        }
        return new TileDbFilterPipeline(maxChunk, filters);
    }

    public static void WritePipeline(ByteWriter w, TileDbFilterPipeline pipeline)
    {
        w.U32(pipeline.MaxChunkSize).U32((uint)pipeline.Filters.Count);
        foreach (var f in pipeline.Filters)
        {
            w.U8((byte)f.Type);
            if (!IsCompressor(f.Type)) { w.U32(0); continue; }
            bool withReinterpret = f.Type is TileDbFilterType.Delta or TileDbFilterType.DoubleDelta;
            w.U32(withReinterpret ? 6u : 5u).U8(CompressorCode(f.Type)).I32(f.Level);
            if (withReinterpret) w.U8((byte)(f.Reinterpret ?? (TileDbDatatype)17)); // 17 = ANY: no reinterpretation
        }
    }

    private static bool IsCompressor(TileDbFilterType type) => type is TileDbFilterType.Gzip or TileDbFilterType.Zstd or TileDbFilterType.Lz4
        or TileDbFilterType.Rle or TileDbFilterType.Bzip2 or TileDbFilterType.DoubleDelta or TileDbFilterType.Delta or TileDbFilterType.Dictionary;

    /// <summary>TileDB's compressor enum (NO_COMPRESSION=0, GZIP=1, ZSTD=2, LZ4=3, RLE=4, BZIP2=5, DOUBLE_DELTA=6, DICTIONARY=7, DELTA=8).</summary>
    private static byte CompressorCode(TileDbFilterType type) => type switch
    {
        TileDbFilterType.Gzip => 1, TileDbFilterType.Zstd => 2, TileDbFilterType.Lz4 => 3, TileDbFilterType.Rle => 4,
        TileDbFilterType.Bzip2 => 5, TileDbFilterType.DoubleDelta => 6, TileDbFilterType.Dictionary => 7, TileDbFilterType.Delta => 8, _ => 0,
    };

    /// <summary>Throws a clear error when a pipeline holds a filter this engine cannot reverse.</summary>
    public static void CheckSupported(TileDbFilterPipeline pipeline, string where)
    {
        foreach (var f in pipeline.Filters)
            if (!IsSupported(f.Type)) throw new NotSupportedException($"{where}: filter {f.Type} ({(byte)f.Type}) is not supported");
    }

    public static bool IsSupported(TileDbFilterType type) => type is TileDbFilterType.None or TileDbFilterType.Gzip or TileDbFilterType.Zstd
        or TileDbFilterType.Lz4 or TileDbFilterType.ByteShuffle or TileDbFilterType.BitShuffle
        or TileDbFilterType.Delta or TileDbFilterType.DoubleDelta or TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256;

    /// <summary>Undoes the pipeline on one chunk; <paramref name="type"/> is the tile's datatype (for shuffles and deltas).</summary>
    public static byte[] Reverse(TileDbFilterPipeline pipeline, byte[] metadata, byte[] data, int originalLength, TileDbDatatype type, string source) =>
        Reverse(pipeline, pipeline.Filters.Count - 1, metadata, data, originalLength, type, source, verifyChecksums: true);

    /// <summary>
    /// Undoes the pipeline on one chunk straight into <paramref name="destination"/> (the chunk's original length).
    /// Checksums are verified on the stored bytes and a first-stage single-part compressor decompresses in place, so
    /// the usual pipelines (compressor, then checksum) copy nothing; any other shape goes through <see cref="Reverse"/>.
    /// Without <paramref name="verifyChecksums"/> checksum filters are stepped over unchecked (TileDB's
    /// <c>sm.skip_checksum_validation</c>: for file systems that checksum every block themselves).
    /// </summary>
    public static void ReverseInto(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, TileDbDatatype type, string source,
        Span<byte> destination, bool verifyChecksums = true)
    {
        if (ReverseOrPassThrough(pipeline, metadata, data, type, source, destination, verifyChecksums) is var stored && !stored.IsEmpty) stored.CopyTo(destination);
    }

    /// <summary>
    /// As <see cref="ReverseInto"/>, except when nothing but checksums (verified here) and no-op filters stand between
    /// the stored bytes and the original ones: then it writes nothing and returns the stored bytes themselves, which
    /// the caller may copy from directly. Otherwise the chunk is in <paramref name="destination"/> and the result is empty.
    /// </summary>
    public static ReadOnlySpan<byte> ReverseOrPassThrough(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, TileDbDatatype type, string source,
        Span<byte> destination, bool verifyChecksums = true)
    {
        metadata = VerifyTrailingChecksums(pipeline, metadata, data, source, verifyChecksums);
        int last = LastToUndo(pipeline);
        if (last < 0 && metadata.IsEmpty && data.Length == destination.Length && !data.IsEmpty) return data;
        if (last == 0 && pipeline.Filters[0].Type is TileDbFilterType.Zstd or TileDbFilterType.Lz4 or TileDbFilterType.Gzip
            && IsSingleDataPart(metadata, destination.Length, data.Length))
            DecompressPartInto(pipeline.Filters[0].Type, data, destination, source);
        else if (!(ReversesIntoPieces(pipeline) && TryDecompressShuffledInto(pipeline.Filters[1].Type, metadata, data, type, source, destination)))
            Reverse(pipeline, last, metadata.ToArray(), data.ToArray(), destination.Length, type, source, verifyChecksums).CopyTo(destination);
        return [];
    }

    /// <summary>Bytes [<c>From</c>, + <c>Length</c>) of a chunk's unfiltered bytes, and where they go.</summary>
    public readonly record struct ChunkPiece(int From, int Length, nint To);

    /// <summary>Whether <see cref="TryReverseIntoPieces"/> can take chunks of this pipeline: a byte shuffle, then zstd or lz4 (then only no-op filters, then checksums).</summary>
    public static bool ReversesIntoPieces(TileDbFilterPipeline pipeline) =>
        LastToUndo(pipeline) == 1 && pipeline.Filters[0].Type == TileDbFilterType.ByteShuffle && pipeline.Filters[1].Type is TileDbFilterType.Zstd or TileDbFilterType.Lz4;

    /// <summary>
    /// Undoes the pipeline on one chunk of <paramref name="originalLength"/> bytes straight into the places of
    /// <paramref name="pieces"/> (in any order, whole elements each), where the chunk is a byte shuffle then a
    /// compressor as a writer lays them out: the unshuffle writes each piece where it goes, so the rows a read needs
    /// skip the copy out of a decoded chunk. Answers false, having written nothing, for any other chunk.
    /// </summary>
    public static unsafe bool TryReverseIntoPieces(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, TileDbDatatype type, string source,
        int originalLength, ReadOnlySpan<ChunkPiece> pieces, bool verifyChecksums = true)
    {
        if (!ReversesIntoPieces(pipeline)) return false;
        int elementSize = TileDbTypes.Size(type);
        foreach (var piece in pieces)
        {
            if (piece.From < 0 || piece.Length < 0 || piece.From > originalLength - piece.Length || piece.From % elementSize != 0
                || (piece.Length % elementSize != 0 && piece.From + piece.Length != originalLength)) return false;
        }
        metadata = VerifyTrailingChecksums(pipeline, metadata, data, source, verifyChecksums);
        if (DecompressShuffled(pipeline.Filters[1].Type, metadata, data, source, originalLength) is not { } shuffled) return false;
        try
        {
            foreach (var piece in pieces)
                Shuffles.ByteUnshuffle(shuffled.AsSpan(0, originalLength), new Span<byte>((void*)piece.To, piece.Length), elementSize, piece.From);
        }
        finally { ArrayPool<byte>.Shared.Return(shuffled); }
        return true;
    }

    /// <summary>The index of the last filter a read undoes: the pipeline's end, past its trailing checksum and no-op filters.</summary>
    private static int LastToUndo(TileDbFilterPipeline pipeline)
    {
        int last = pipeline.Filters.Count - 1;
        while (last >= 0 && pipeline.Filters[last].Type is TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256) last--;
        while (last >= 0 && pipeline.Filters[last].Type == TileDbFilterType.None) last--;
        return last;
    }

    /// <summary>
    /// Checks the sums of the checksum filters at the pipeline's end on the stored bytes (only their layout when not
    /// <paramref name="verify"/>) and returns the metadata of the filter below them.
    /// </summary>
    private static ReadOnlySpan<byte> VerifyTrailingChecksums(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, string source, bool verify)
    {
        for (int i = pipeline.Filters.Count - 1; i >= 0 && pipeline.Filters[i].Type is TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256; i--)
            metadata = VerifyChecksums(pipeline.Filters[i].Type, metadata, data, source, verify);
        return metadata;
    }

    /// <summary>Compressor metadata saying "no metadata part, one data part of these sizes".</summary>
    private static bool IsSingleDataPart(ReadOnlySpan<byte> metadata, int original, int compressed) =>
        metadata.Length == 16 && BinaryPrimitives.ReadUInt32LittleEndian(metadata) == 0 && BinaryPrimitives.ReadUInt32LittleEndian(metadata[4..]) == 1
        && BinaryPrimitives.ReadUInt32LittleEndian(metadata[8..]) == (uint)original && BinaryPrimitives.ReadUInt32LittleEndian(metadata[12..]) == (uint)compressed;

    /// <summary>As <see cref="TryReverseIntoPieces"/> with one piece, the whole of <paramref name="destination"/>, past the checksums.</summary>
    private static bool TryDecompressShuffledInto(TileDbFilterType compressor, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, TileDbDatatype type,
        string source, Span<byte> destination)
    {
        if (DecompressShuffled(compressor, metadata, data, source, destination.Length) is not { } shuffled) return false;
        try
        {
            Shuffles.ByteUnshuffle(shuffled.AsSpan(0, destination.Length), destination, TileDbTypes.Size(type));
        }
        finally { ArrayPool<byte>.Shared.Return(shuffled); }
        return true;
    }

    /// <summary>
    /// A chunk of a <see cref="ReversesIntoPieces"/> pipeline as a writer lays it out (the <paramref name="compressor"/>'s
    /// two parts: the shuffle's metadata, "one part of the whole chunk", then the shuffled bytes): the shuffled bytes,
    /// decompressed into an array of <see cref="ArrayPool{T}.Shared"/> that the caller returns; null, having decoded
    /// nothing, for any other layout.
    /// </summary>
    private static byte[]? DecompressShuffled(TileDbFilterType compressor, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, string source, int originalLength)
    {
        if (metadata.Length != 24 || BinaryPrimitives.ReadUInt32LittleEndian(metadata) != 1 || BinaryPrimitives.ReadUInt32LittleEndian(metadata[4..]) != 1
            || BinaryPrimitives.ReadUInt32LittleEndian(metadata[8..]) != ShuffleMetadataLength
            || BinaryPrimitives.ReadUInt32LittleEndian(metadata[16..]) != (uint)originalLength) return null;
        uint metadataPart = BinaryPrimitives.ReadUInt32LittleEndian(metadata[12..]), dataPart = BinaryPrimitives.ReadUInt32LittleEndian(metadata[20..]);
        if ((ulong)metadataPart + dataPart != (ulong)data.Length) return null;
        Span<byte> shuffleMetadata = stackalloc byte[ShuffleMetadataLength];
        DecompressPartInto(compressor, data[..(int)metadataPart], shuffleMetadata, source);
        if (BinaryPrimitives.ReadUInt32LittleEndian(shuffleMetadata) != 1 || BinaryPrimitives.ReadUInt32LittleEndian(shuffleMetadata[4..]) != (uint)originalLength) return null;
        byte[] shuffled = ArrayPool<byte>.Shared.Rent(originalLength);
        try
        {
            DecompressPartInto(compressor, data[(int)metadataPart..], shuffled.AsSpan(0, originalLength), source);
            return shuffled;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(shuffled);
            throw;
        }
    }

    /// <summary>A byte shuffle's metadata for one part: [u32 part count = 1][u32 its length].</summary>
    private const int ShuffleMetadataLength = 8;

    /// <summary>Undoes filters <paramref name="last"/> down to 0.</summary>
    private static byte[] Reverse(TileDbFilterPipeline pipeline, int last, byte[] metadata, byte[] data, int originalLength, TileDbDatatype type, string source, bool verifyChecksums)
    {
        for (int i = last; i >= 0; i--)
        {
            var f = pipeline.Filters[i];
            (metadata, data) = f.Type switch
            {
                TileDbFilterType.None => (metadata, data),
                TileDbFilterType.Gzip or TileDbFilterType.Zstd or TileDbFilterType.Lz4 or TileDbFilterType.Delta or TileDbFilterType.DoubleDelta
                    => Decompress(f, metadata, data, f.Reinterpret ?? type, source),
                TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256 => (VerifyChecksums(f.Type, metadata, data, source, verifyChecksums).ToArray(), data),
                TileDbFilterType.ByteShuffle or TileDbFilterType.BitShuffle => Unshuffle(f.Type, metadata, data, TileDbTypes.Size(type), source),
                _ => throw new NotSupportedException($"{source}: filter {f.Type} ({(byte)f.Type}) is not supported"),
            };
        }
        if (data.Length != originalLength)
            throw new DataCorruptionException($"{source}: chunk decodes to {data.Length} bytes, its header says {originalLength}");
        return data;
    }

    /// <summary>Runs the pipeline forward on one chunk: returns (chunk metadata, filtered data).</summary>
    public static (byte[] Metadata, byte[] Data) Forward(TileDbFilterPipeline pipeline, byte[] chunk, TileDbDatatype type)
    {
        byte[] metadata = [];
        byte[] data = chunk;
        foreach (var f in pipeline.Filters)
        {
            (metadata, data) = f.Type switch
            {
                TileDbFilterType.None => (metadata, data),
                TileDbFilterType.Gzip or TileDbFilterType.Zstd or TileDbFilterType.Lz4 or TileDbFilterType.Delta or TileDbFilterType.DoubleDelta
                    => Compress(f, metadata, data, f.Reinterpret ?? type),
                TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256 => AddChecksums(f.Type, metadata, data),
                TileDbFilterType.ByteShuffle or TileDbFilterType.BitShuffle => Shuffle(f.Type, metadata, data, TileDbTypes.Size(type)),
                _ => throw new NotSupportedException($"writing filter {f.Type} is not supported"),
            };
        }
        return (metadata, data);
    }

    /// <summary>
    /// Filters one chunk and appends it as [u32 original][u32 filtered][u32 metadata length][metadata][data]. The usual
    /// write pipelines (nothing, or zstd/lz4, then checksums) are built in place in the output, allocating nothing;
    /// other pipelines go through <see cref="Forward"/>.
    /// </summary>
    /// <param name="deferredSha256">Where given (see <see cref="CanDeferSha256"/>), the SHA-256 sums are left out and
    /// listed here as (bytes, length, where the sum goes) in the output, for <see cref="FillDeferredSha256"/>.</param>
    public static void ForwardInto(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> chunk, TileDbDatatype type, PooledWriter output,
        List<(int Offset, int Length, int SumAt)>? deferredSha256 = null)
    {
        var filters = pipeline.Filters;
        int first = LeadingInPlaceFilters(filters);
        bool inPlace = true;
        for (int i = first; i < filters.Count; i++)
            inPlace &= filters[i].Type is TileDbFilterType.None or TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256;
        if (!inPlace)
        {
            var (filteredMetadata, filteredData) = Forward(pipeline, chunk.ToArray(), type);
            var header = output.Reserve(12);
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)chunk.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)filteredData.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)filteredMetadata.Length);
            output.Advance(12);
            output.Write(filteredMetadata);
            output.Write(filteredData);
            return;
        }
        // The metadata length does not depend on the data: reserve it, write the data after it, then fill it in.
        // Compressor metadata: [u32 #metadata parts][u32 #data parts][(original, compressed) per part]; behind a shuffle
        // its one metadata part is the shuffle's.
        bool shuffled = first == 2;
        int compressorMetadata = first switch { 0 => 0, 1 => 16, _ => 24 }, metadataLength = compressorMetadata;
        for (int i = first; i < filters.Count; i++)
            if (filters[i].Type != TileDbFilterType.None) metadataLength += ChecksumHeaderLength(filters[i].Type, metadataLength);
        int bound = first == 0 ? chunk.Length
            : CompressBound(filters[first - 1].Type, chunk.Length) + (shuffled ? CompressBound(filters[first - 1].Type, ShuffleMetadataLength) : 0);
        var region = output.Reserve(12 + metadataLength + bound);
        var dataSpan = region[(12 + metadataLength)..];
        int dataLength = chunk.Length, metadataPart = 0;
        if (shuffled)
        {
            Span<byte> shuffleMetadata = stackalloc byte[ShuffleMetadataLength];
            BinaryPrimitives.WriteUInt32LittleEndian(shuffleMetadata, 1);
            BinaryPrimitives.WriteUInt32LittleEndian(shuffleMetadata[4..], (uint)chunk.Length);
            metadataPart = CompressInto(filters[1], shuffleMetadata, dataSpan);
            byte[] bytes = ArrayPool<byte>.Shared.Rent(chunk.Length);
            try
            {
                Shuffles.ByteShuffle(chunk, bytes.AsSpan(0, chunk.Length), TileDbTypes.Size(type));
                dataLength = metadataPart + CompressInto(filters[1], bytes.AsSpan(0, chunk.Length), dataSpan[metadataPart..]);
            }
            finally { ArrayPool<byte>.Shared.Return(bytes); }
        }
        else if (first == 1) dataLength = CompressInto(filters[0], chunk, dataSpan);
        else chunk.CopyTo(dataSpan);
        var data = dataSpan[..dataLength];

        var metadata = region.Slice(12, metadataLength);
        int length = 0;
        if (first > 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(metadata, shuffled ? 1u : 0u);
            BinaryPrimitives.WriteUInt32LittleEndian(metadata[4..], 1);
            if (shuffled)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(metadata[8..], ShuffleMetadataLength);
                BinaryPrimitives.WriteUInt32LittleEndian(metadata[12..], (uint)metadataPart);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(metadata[(compressorMetadata - 8)..], (uint)chunk.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(metadata[(compressorMetadata - 4)..], (uint)(dataLength - metadataPart));
            length = compressorMetadata;
        }
        Span<byte> hash = stackalloc byte[32];
        int metadataAt = output.Length + 12, dataAt = metadataAt + metadataLength;
        for (int i = first; i < filters.Count; i++)
        {
            var f = filters[i];
            if (f.Type == TileDbFilterType.None) continue;
            // [u32 #metadata sums][u32 #data sums][(u64 length, hash) of the metadata below, if any][(u64, hash) of the data][metadata below]
            int hashLength = HashLength(f.Type), head = ChecksumHeaderLength(f.Type, length);
            bool defer = deferredSha256 is not null; // then this is the only checksum filter: nothing hashes its sums
            if (length > 0 && !defer) Hash(f.Type, metadata[..length], hash);
            metadata[..length].CopyTo(metadata[head..]);
            BinaryPrimitives.WriteUInt32LittleEndian(metadata, length > 0 ? 1u : 0u);
            BinaryPrimitives.WriteUInt32LittleEndian(metadata[4..], 1);
            int at = 8;
            if (length > 0)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(metadata[at..], (ulong)length);
                if (defer) deferredSha256!.Add((metadataAt + head, length, metadataAt + at + 8));
                else hash[..hashLength].CopyTo(metadata[(at + 8)..]);
                at += 8 + hashLength;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(metadata[at..], (ulong)dataLength);
            if (defer) deferredSha256!.Add((dataAt, dataLength, metadataAt + at + 8));
            else Hash(f.Type, data, metadata.Slice(at + 8, hashLength));
            length += head;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(region, (uint)chunk.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(region[4..], (uint)dataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(region[8..], (uint)metadataLength);
        output.Advance(12 + metadataLength + dataLength);
    }

    /// <summary>
    /// How many filters at the head of a pipeline <see cref="ForwardInto"/> runs straight into its output: a zstd or lz4
    /// compressor (1), or a byte shuffle then one of those (2); none otherwise.
    /// </summary>
    private static int LeadingInPlaceFilters(IReadOnlyList<TileDbFilter> filters)
    {
        static bool Compressor(TileDbFilter f) => f.Type is TileDbFilterType.Zstd or TileDbFilterType.Lz4;
        if (filters.Count > 0 && Compressor(filters[0])) return 1;
        return filters.Count > 1 && filters[0].Type == TileDbFilterType.ByteShuffle && Compressor(filters[1]) ? 2 : 0;
    }

    /// <summary>
    /// Whether <see cref="ForwardInto"/> may leave a pipeline's SHA-256 sums for <see cref="FillDeferredSha256"/> to
    /// compute sixteen at a time: AVX-512, and the pipeline's only checksum is one SHA-256 after nothing but the filters
    /// it runs in place (<c>zstd+sha256</c>, the store's default until the tenth session, or <c>shuffle+zstd+sha256</c>),
    /// so no other filter covers the sums.
    /// </summary>
    public static bool CanDeferSha256(TileDbFilterPipeline pipeline)
    {
        var filters = pipeline.Filters;
        var rest = filters.Skip(LeadingInPlaceFilters(filters)).Where(f => f.Type != TileDbFilterType.None).ToList();
        return Sha256Lanes.IsAccelerated && rest.Count == 1 && rest[0].Type == TileDbFilterType.ChecksumSha256;
    }

    /// <summary>Computes the sums <see cref="ForwardInto"/> deferred and writes each where it belongs in <paramref name="output"/>.</summary>
    public static void FillDeferredSha256(Span<byte> output, List<(int Offset, int Length, int SumAt)> deferred)
    {
        var digests = HashByLength(output, deferred, part => (part.Offset, part.Length));
        for (int i = 0; i < deferred.Count; i++)
            digests.AsSpan(i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes).CopyTo(output[deferred[i].SumAt..]);
    }

    // The SHA-256 of each part's bytes in `buffer`, parts sorted here by length (a group of sixteen lasts as long as
    // its longest message): digest i belongs to parts[i] in that order.
    private static byte[] HashByLength<T>(ReadOnlySpan<byte> buffer, List<T> parts, Func<T, (int Offset, int Length)> message)
    {
        parts.Sort((x, y) => message(x).Length.CompareTo(message(y).Length));
        var digests = new byte[parts.Count * Sha256Lanes.DigestBytes];
        Sha256Lanes.Hash(buffer, parts.Select(message).ToArray(), digests);
        return digests;
    }

    /// <summary>What a checksum filter adds in front of metadata of <paramref name="below"/> bytes.</summary>
    private static int ChecksumHeaderLength(TileDbFilterType type, int below) => 8 + (below > 0 ? 8 + HashLength(type) : 0) + 8 + HashLength(type);

    private static int CompressBound(TileDbFilterType type, int length) => type == TileDbFilterType.Zstd
        ? ZstdCodec.CompressBound(length)
        : K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(length);

    private static int CompressInto(TileDbFilter filter, ReadOnlySpan<byte> source, Span<byte> destination) => filter.Type == TileDbFilterType.Zstd
        ? ZstdCodec.Compress(source, destination, filter.Level)
        : K4os.Compression.LZ4.LZ4Codec.Encode(source, destination);

    // ---- compressors: metadata = [u32 #md parts][u32 #data parts][(u32 original, u32 compressed) per part], data = compressed parts

    private static (byte[], byte[]) Decompress(TileDbFilter filter, byte[] metadata, byte[] data, TileDbDatatype valueType, string source)
    {
        var md = new ByteReader(metadata, source);
        uint mdParts = md.U32(), dataParts = md.U32();
        if (mdParts + (ulong)dataParts > 1 << 20) throw new DataCorruptionException($"{source}: implausible compressed part count");
        var sizes = new (int Original, int Compressed)[mdParts + dataParts];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = ((int)md.U32(), (int)md.U32());
        var src = new ByteReader(data, source);
        var outMeta = new MemoryStream();
        var outData = new MemoryStream();
        for (int i = 0; i < sizes.Length; i++)
        {
            var compressed = src.Take(sizes[i].Compressed);
            // Metadata parts are bytes; data parts have the tile's (or the reinterpreted) value type.
            byte[] part = DecompressPart(filter.Type, compressed, sizes[i].Original, i < mdParts ? TileDbDatatype.UInt8 : valueType, source);
            (i < mdParts ? outMeta : outData).Write(part);
        }
        return (outMeta.ToArray(), outData.ToArray());
    }

    private static byte[] DecompressPart(TileDbFilterType type, ReadOnlySpan<byte> compressed, int originalLength, TileDbDatatype valueType, string source)
    {
        if (type == TileDbFilterType.Delta) return DeltaFilters.DecodeDelta(compressed, originalLength, valueType, source);
        if (type == TileDbFilterType.DoubleDelta) return DeltaFilters.DecodeDoubleDelta(compressed, originalLength, valueType, source);
        var output = new byte[originalLength];
        DecompressPartInto(type, compressed, output, source);
        return output;
    }

    /// <summary>Decompresses one zstd, lz4 or gzip part into exactly <paramref name="output"/>.Length bytes.</summary>
    private static void DecompressPartInto(TileDbFilterType type, ReadOnlySpan<byte> compressed, Span<byte> output, string source)
    {
        int written;
        try
        {
            switch (type)
            {
                case TileDbFilterType.Zstd:
                    written = ZstdCodec.Decompress(compressed, output, source);
                    break;
                case TileDbFilterType.Lz4:
                    written = K4os.Compression.LZ4.LZ4Codec.Decode(compressed, output);
                    break;
                default: // TileDB's "gzip" is a zlib stream (RFC 1950: 2-byte header, deflate, Adler-32)
                    using (var zlib = new ZLibStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress))
                    {
                        written = 0;
                        int n;
                        while (written < output.Length && (n = zlib.Read(output[written..])) > 0) written += n;
                    }
                    break;
            }
        }
        catch (Exception e) when (e is not DataCorruptionException)
        {
            throw new DataCorruptionException($"{source}: {type} part does not decompress: {e.Message}", e);
        }
        if (written != output.Length)
            throw new DataCorruptionException($"{source}: {type} part decompressed to {written} bytes, expected {output.Length}");
    }

    private static (byte[], byte[]) Compress(TileDbFilter filter, byte[] metadata, byte[] data, TileDbDatatype valueType)
    {
        var parts = metadata.Length > 0 ? new[] { metadata, data } : new[] { data };
        var md = new ByteWriter().U32(metadata.Length > 0 ? 1u : 0u).U32(1);
        var output = new ByteWriter();
        for (int i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            byte[] compressed = CompressPart(filter, part, i < parts.Length - 1 ? TileDbDatatype.UInt8 : valueType);
            md.U32((uint)part.Length).U32((uint)compressed.Length);
            output.Bytes(compressed);
        }
        return (md.ToArray(), output.ToArray());
    }

    private static byte[] CompressPart(TileDbFilter filter, byte[] part, TileDbDatatype valueType)
    {
        switch (filter.Type)
        {
            case TileDbFilterType.Delta: return DeltaFilters.EncodeDelta(part, valueType);
            case TileDbFilterType.DoubleDelta: return DeltaFilters.EncodeDoubleDelta(part, valueType);
            case TileDbFilterType.Zstd or TileDbFilterType.Lz4:
                var target = new byte[CompressBound(filter.Type, part.Length)];
                return target[..CompressInto(filter, part, target)];
            default:
                var stream = new MemoryStream();
                using (var zlib = new ZLibStream(stream, filter.Level is >= 0 and <= 3 ? CompressionLevel.Fastest : CompressionLevel.Optimal, leaveOpen: true))
                    zlib.Write(part);
                return stream.ToArray();
        }
    }

    // ---- checksums: metadata = [u32 #md sums][u32 #data sums][(u64 length, hash) per part][input metadata]

    private static int HashLength(TileDbFilterType type) => type == TileDbFilterType.ChecksumMd5 ? 16 : 32;

    private static byte[] Hash(TileDbFilterType type, ReadOnlySpan<byte> bytes) =>
        type == TileDbFilterType.ChecksumMd5 ? MD5.HashData(bytes) : SHA256.HashData(bytes);

    private static void Hash(TileDbFilterType type, ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        if (type == TileDbFilterType.ChecksumMd5) MD5.HashData(bytes, destination);
        else SHA256.HashData(bytes, destination);
    }

    /// <summary>Checks the sums on the stored bytes (no copy; only their layout when not <paramref name="verify"/>) and returns the metadata of the filter below.</summary>
    private static ReadOnlySpan<byte> VerifyChecksums(TileDbFilterType type, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, string source, bool verify)
    {
        var (mdEnd, listEnd) = ChecksumLists(type, metadata, source);
        var inputMetadata = metadata[listEnd..];
        if (!verify) return inputMetadata;
        Verify(type, metadata[8..mdEnd], inputMetadata, source, "metadata");
        Verify(type, metadata[mdEnd..listEnd], data, source, "data");
        return inputMetadata;
    }

    // A checksum filter's metadata: [u32 #sums over the metadata below][u32 #sums over the data], the sums (u64 length,
    // hash) of both lists, then the metadata of the filters below. Returns where the first list ends and where both end.
    private static (int MetadataSumsEnd, int SumsEnd) ChecksumLists(TileDbFilterType type, ReadOnlySpan<byte> metadata, string source)
    {
        if (metadata.Length < 8) throw new DataCorruptionException($"{source}: {type} metadata is {metadata.Length} bytes, too short for its header");
        uint mdSums = BinaryPrimitives.ReadUInt32LittleEndian(metadata), dataSums = BinaryPrimitives.ReadUInt32LittleEndian(metadata[4..]);
        long entry = 8 + HashLength(type);
        long mdEnd = 8 + mdSums * entry, listEnd = mdEnd + dataSums * entry;
        if (listEnd > metadata.Length) throw new DataCorruptionException($"{source}: {type} lists {mdSums} + {dataSums} sums, more than its {metadata.Length} metadata bytes hold");
        return ((int)mdEnd, (int)listEnd);
    }

    /// <summary>
    /// Checks the SHA-256 sums of many chunks together (<see cref="Sha256Lanes"/>: sixteen at once) where the pipeline
    /// ends in a SHA-256 filter and holds no other checksum; the chunks' decoding may then skip it. Answers
    /// false, having checked nothing, for other pipelines or without AVX-512: their chunks check their own sums.
    /// </summary>
    /// <param name="chunks">Each chunk's metadata and data as [start, +length) in <paramref name="tile"/>.</param>
    public static bool TryVerifySha256Together(TileDbFilterPipeline pipeline, ReadOnlySpan<byte> tile,
        ReadOnlySpan<(int MetadataStart, int MetadataLength, int DataStart, int DataLength)> chunks, string source)
    {
        // The chunks then decode without checking any sum: the pipeline must hold no other checksum.
        var filters = pipeline.Filters;
        if (!Sha256Lanes.IsAccelerated || filters.Count == 0 || filters[^1].Type != TileDbFilterType.ChecksumSha256
            || filters.Count(f => f.Type is TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256) != 1)
            return false;
        const TileDbFilterType type = TileDbFilterType.ChecksumSha256;
        int entry = 8 + HashLength(type);
        // (message in the tile, where its expected sum is, what it covers for the error) of every sum of every chunk.
        var parts = new List<(int Offset, int Length, int ExpectedAt, string What, long PartStart)>();
        foreach (var (metadataStart, metadataLength, dataStart, dataLength) in chunks)
        {
            var metadata = tile.Slice(metadataStart, metadataLength);
            var (mdEnd, listEnd) = ChecksumLists(type, metadata, source);
            AddParts(tile, metadataStart + 8, mdEnd - 8, metadataStart + listEnd, metadataLength - listEnd, "metadata");
            AddParts(tile, metadataStart + mdEnd, listEnd - mdEnd, dataStart, dataLength, "data");
        }
        var digests = HashByLength(tile, parts, part => (part.Offset, part.Length));
        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (!digests.AsSpan(i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes).SequenceEqual(tile.Slice(part.ExpectedAt, Sha256Lanes.DigestBytes)))
                throw SumMismatch(type, source, part.What, part.PartStart, part.Length);
        }
        return true;

        // As Verify: the sums at [sumsStart, +sumsLength) cover consecutive parts of the bytes at [bytesStart, +bytesLength).
        void AddParts(ReadOnlySpan<byte> bytes, int sumsStart, int sumsLength, int bytesStart, int bytesLength, string what)
        {
            long offset = 0;
            for (int at = sumsStart; at < sumsStart + sumsLength; at += entry)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
                if (length > (ulong)(bytesLength - offset)) throw SumPastTheEnd(type, source, length, what);
                parts.Add(((int)(bytesStart + offset), (int)length, at + 8, what, offset));
                offset += (long)length;
            }
        }
    }

    /// <summary><paramref name="sums"/> is a list of (u64 length, hash) covering consecutive parts of <paramref name="bytes"/>.</summary>
    private static void Verify(TileDbFilterType type, ReadOnlySpan<byte> sums, ReadOnlySpan<byte> bytes, string source, string what)
    {
        int hashLength = HashLength(type);
        Span<byte> actual = stackalloc byte[hashLength];
        long offset = 0;
        for (int at = 0; at < sums.Length; at += 8 + hashLength)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(sums[at..]);
            if (length > (ulong)(bytes.Length - offset)) throw SumPastTheEnd(type, source, length, what);
            var part = bytes.Slice((int)offset, (int)length);
            Hash(type, part, actual);
            if (!actual.SequenceEqual(sums.Slice(at + 8, hashLength)))
                throw SumMismatch(type, source, what, offset, (long)length);
            offset += (long)length;
        }
    }

    // The two ways a checksum list is wrong, worded once for the chunk-by-chunk and the batched checks.
    private static DataCorruptionException SumPastTheEnd(TileDbFilterType type, string source, ulong length, string what) =>
        new($"{source}: {type} covers {length} {what} bytes past the end of the chunk");

    private static DataCorruptionException SumMismatch(TileDbFilterType type, string source, string what, long offset, long length) =>
        new($"{source}: {type} mismatch on {what} bytes [{offset}, {offset + length}): the file is damaged");

    private static (byte[], byte[]) AddChecksums(TileDbFilterType type, byte[] metadata, byte[] data)
    {
        var md = new ByteWriter().U32(metadata.Length > 0 ? 1u : 0u).U32(1);
        if (metadata.Length > 0) md.U64((ulong)metadata.Length).Bytes(Hash(type, metadata));
        md.U64((ulong)data.Length).Bytes(Hash(type, data)).Bytes(metadata);
        return (md.ToArray(), data);
    }

    // ---- byte/bit shuffle: metadata = [u32 #parts][u32 length per part][input metadata], data = shuffled parts

    private static (byte[], byte[]) Unshuffle(TileDbFilterType type, byte[] metadata, byte[] data, int elementSize, string source)
    {
        var md = new ByteReader(metadata, source);
        uint parts = md.U32();
        var output = new byte[data.Length];
        int offset = 0;
        for (int i = 0; i < parts; i++)
        {
            int length = (int)md.U32();
            if (offset + (long)length > data.Length) throw new DataCorruptionException($"{source}: {type} part runs past the chunk");
            var src = data.AsSpan(offset, length);
            var dst = output.AsSpan(offset, length);
            if (type == TileDbFilterType.ByteShuffle) Shuffles.ByteUnshuffle(src, dst, elementSize);
            else Shuffles.BitUnshuffle(src, dst, elementSize);
            offset += length;
        }
        if (offset != data.Length) throw new DataCorruptionException($"{source}: {type} parts cover {offset} of {data.Length} bytes");
        return (md.Take(md.Remaining).ToArray(), output);
    }

    private static (byte[], byte[]) Shuffle(TileDbFilterType type, byte[] metadata, byte[] data, int elementSize)
    {
        var output = new byte[data.Length];
        if (type == TileDbFilterType.ByteShuffle)
        {
            Shuffles.ByteShuffle(data, output, elementSize);
            return (new ByteWriter().U32(1).U32((uint)data.Length).Bytes(metadata).ToArray(), output);
        }
        // Bitshuffle works on groups of 8 elements: like TileDB, split off the remainder as a second, unshuffled part.
        int whole = data.Length / (8 * elementSize) * 8 * elementSize;
        Shuffles.BitShuffle(data.AsSpan(0, whole), output.AsSpan(0, whole), elementSize);
        data.AsSpan(whole).CopyTo(output.AsSpan(whole));
        var md = whole == data.Length || whole == 0 ? new ByteWriter().U32(1).U32((uint)data.Length) : new ByteWriter().U32(2).U32((uint)whole).U32((uint)(data.Length - whole));
        return (md.Bytes(metadata).ToArray(), output);
    }
}
