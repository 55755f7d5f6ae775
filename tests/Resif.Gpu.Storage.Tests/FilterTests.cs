using System.Buffers.Binary;
using System.Security.Cryptography;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Filters decoded from chunks built by hand after format_spec/tile.md and filters/*.md (not from our writer): each
/// test spells out the chunk metadata and data bytes the spec prescribes and checks the decoded values.
/// </summary>
public class FilterTests
{
    private static byte[] U32(params uint[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
    private static byte[] U64(ulong value) => BitConverter.GetBytes(value);
    private static byte[] I32(params int[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
    private static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A one-chunk tile: [u64 1][u32 original][u32 filtered][u32 metadata length][metadata][data].</summary>
    private static byte[] Decode(TileDbFilterPipeline pipeline, TileDbDatatype type, int originalLength, byte[] metadata, byte[] data)
    {
        byte[] tile = Cat(U64(1), U32((uint)originalLength, (uint)data.Length, (uint)metadata.Length), metadata, data);
        var filtered = new FilteredTile(tile, "test.tdb");
        return filtered.Decode(pipeline, type, 0, filtered.OriginalLength);
    }

    private static TileDbFilterPipeline Pipeline(params TileDbFilterType[] types) => TileDbFilterPipeline.Of(types.Select(t => new TileDbFilter(t)).ToArray());

    /// <summary>Compressor metadata: [u32 #metadata parts = 0][u32 #data parts = 1][u32 original][u32 compressed].</summary>
    private static byte[] OneCompressedPart(int original, int compressed) => U32(0, 1, (uint)original, (uint)compressed);

    [Fact]
    public void NoFilters_DataPassesThrough()
    {
        byte[] data = [1, 2, 3, 4, 5];
        Assert.Equal(data, Decode(TileDbFilterPipeline.Empty, TileDbDatatype.UInt8, 5, [], data));
    }

    [Fact]
    public void Gzip_IsZlibFormat()
    {
        // Python: zlib.compress(bytes(range(16)) * 4, 1)
        byte[] compressed = [0x78, 0x01, 0x63, 0x60, 0x64, 0x62, 0x66, 0x61, 0x65, 0x63, 0xe7, 0xe0, 0xe4, 0xe2, 0xe6, 0xe1, 0xe5, 0xe3, 0x67, 0x20, 0x91, 0x0f, 0x00, 0x37, 0xe0, 0x01, 0xe1];
        byte[] expected = Enumerable.Repeat(Enumerable.Range(0, 16).Select(i => (byte)i), 4).SelectMany(x => x).ToArray();
        Assert.Equal(expected, Decode(Pipeline(TileDbFilterType.Gzip), TileDbDatatype.UInt8, 64, OneCompressedPart(64, compressed.Length), compressed));
    }

    [Fact]
    public void Zstd_And_Lz4_UseTheLibrariesFrameAndBlockFormats()
    {
        byte[] original = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7 % 13)).ToArray();
        byte[] zstd = new ZstdSharp.Compressor(3).Wrap(original).ToArray();
        Assert.Equal(original, Decode(Pipeline(TileDbFilterType.Zstd), TileDbDatatype.UInt8, 1000, OneCompressedPart(1000, zstd.Length), zstd));
        var lz4 = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(1000)];
        int n = K4os.Compression.LZ4.LZ4Codec.Encode(original, lz4);
        Assert.Equal(original, Decode(Pipeline(TileDbFilterType.Lz4), TileDbDatatype.UInt8, 1000, OneCompressedPart(1000, n), lz4[..n]));
    }

    [Fact]
    public void ByteShuffle_GroupsByteKOfEveryElement_RemainderStays()
    {
        // int32 0x04030201, 0x08070605 then one stray byte 0x09: shuffled = 01 05 02 06 03 07 04 08 09.
        byte[] shuffled = [1, 5, 2, 6, 3, 7, 4, 8, 9];
        byte[] metadata = U32(1, 9); // one part of 9 bytes
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], Decode(Pipeline(TileDbFilterType.ByteShuffle), TileDbDatatype.Int32, 9, metadata, shuffled));
    }

    [Theory]
    [InlineData(15, 0)] // under one 16-element vector: all one by one
    [InlineData(53, 3)] // three vectors, five elements one by one, three stray bytes
    [InlineData(16384, 0)] // a whole 64 KiB float32 chunk
    public void ByteShuffle_Float32_BothWaysMatchTheDefinitionAcrossVectorAndTail(int elements, int strays)
    {
        // The format's definition, written out: byte k of element i sits at k * elements + i; stray bytes stay last.
        var original = new byte[elements * 4 + strays];
        new Random(elements).NextBytes(original);
        var shuffled = new byte[original.Length];
        for (int i = 0; i < elements; i++)
            for (int k = 0; k < 4; k++) shuffled[k * elements + i] = original[i * 4 + k];
        original.AsSpan(elements * 4).CopyTo(shuffled.AsSpan(elements * 4));
        Assert.Equal(original, Decode(Pipeline(TileDbFilterType.ByteShuffle), TileDbDatatype.Float32, original.Length, U32(1, (uint)original.Length), shuffled));
        var (metadata, data) = FilterCodec.Forward(Pipeline(TileDbFilterType.ByteShuffle), original, TileDbDatatype.Float32);
        Assert.Equal(U32(1, (uint)original.Length), metadata);
        Assert.Equal(shuffled, data);
    }

    [Theory]
    [InlineData(1, 1)] // the layout a writer gives: the shuffle's one part covers the chunk
    [InlineData(2, 1)] // two shuffled parts: not that layout, decoded filter by filter
    [InlineData(1, 0)] // the zstd data frame damaged: refused
    public void ByteShuffleThenZstd_AsTheFormatLaysItOut_Decodes(int parts, int intact)
    {
        // Compressor metadata [#metadata parts = 1][#data parts = 1][(original, compressed) each]; its metadata part is the
        // shuffle's [#parts][length of each], its data part the shuffled bytes: built here from the definitions.
        var original = new byte[4 * 3000];
        new Random(parts).NextBytes(original);
        var lengths = parts == 1 ? new[] { original.Length } : [4 * 1000, 4 * 2000];
        var shuffled = new byte[original.Length];
        int at = 0;
        foreach (int length in lengths)
        {
            int elements = length / 4;
            for (int i = 0; i < elements; i++)
                for (int k = 0; k < 4; k++) shuffled[at + k * elements + i] = original[at + i * 4 + k];
            at += length;
        }
        byte[] shuffleMetadata = U32([(uint)lengths.Length, .. lengths.Select(l => (uint)l)]);
        byte[] metadataFrame = new ZstdSharp.Compressor(3).Wrap(shuffleMetadata).ToArray();
        var compressor = new ZstdSharp.Compressor(3);
        compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        byte[] dataFrame = compressor.Wrap(shuffled).ToArray();
        if (intact == 0) dataFrame[^1] ^= 1;
        byte[] metadata = U32(1, 1, (uint)shuffleMetadata.Length, (uint)metadataFrame.Length, (uint)original.Length, (uint)dataFrame.Length);
        var pipeline = Pipeline(TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd);
        if (intact == 0)
            Assert.Throws<DataCorruptionException>(() => Decode(pipeline, TileDbDatatype.Float32, original.Length, metadata, Cat(metadataFrame, dataFrame)));
        else
            Assert.Equal(original, Decode(pipeline, TileDbDatatype.Float32, original.Length, metadata, Cat(metadataFrame, dataFrame)));
    }

    [Theory]
    [InlineData(4, 1000, 0, 1000)] // the whole part
    [InlineData(4, 1000, 37, 501)] // an unaligned start, vectors then a tail
    [InlineData(4, 1000, 990, 10)] // under one vector
    [InlineData(2, 333, 100, 200)]
    [InlineData(8, 64, 3, 60)]
    [InlineData(1, 50, 7, 43)]
    public void ByteUnshuffleElements_GivesTheRangeTheDefinitionGives(int elementSize, int elements, int first, int count)
    {
        // Byte k of element i of a shuffled part of n elements sits at k * n + i (format_spec/filters/byteshuffle.md).
        var original = new byte[elements * elementSize];
        new Random(elements + first).NextBytes(original);
        var shuffled = new byte[original.Length];
        for (int i = 0; i < elements; i++)
            for (int k = 0; k < elementSize; k++) shuffled[k * elements + i] = original[i * elementSize + k];
        var range = new byte[count * elementSize];
        Shuffles.ByteUnshuffleElements(shuffled, range, elementSize, first);
        Assert.Equal(original.AsSpan(first * elementSize, count * elementSize).ToArray(), range);
        Assert.Throws<ArgumentOutOfRangeException>(() => Shuffles.ByteUnshuffleElements(shuffled, new byte[(count + 1) * elementSize], elementSize, elements - count));
    }

    [Theory]
    [InlineData(new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd })]
    [InlineData(new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Lz4, TileDbFilterType.ChecksumSha256 })]
    public unsafe void ShuffledChunks_DecodeStraightIntoPieces_AsTheWholeChunkDecodes(TileDbFilterType[] types)
    {
        // Rows of a tile go straight to their places: every piece must hold what decoding the whole chunk gives there,
        // including the stray bytes past the last whole element (the shuffle leaves them in place).
        var pipeline = TileDbFilterPipeline.Of(types.Select(t => new TileDbFilter(t, 3)).ToArray());
        var chunk = new byte[4 * 3000 + 3];
        new Random(5).NextBytes(chunk);
        var (metadata, data) = FilterCodec.Forward(pipeline, chunk, TileDbDatatype.Float32);
        var whole = FilterCodec.Reverse(pipeline, metadata, data, chunk.Length, TileDbDatatype.Float32, "test.tdb");
        Assert.Equal(chunk, whole);

        var destination = new byte[chunk.Length + 64];
        (int From, int Length)[] ranges = [(4 * 2000, 4 * 1000 + 3), (0, 4 * 17), (4 * 100, 4 * 1500)]; // any order, gaps between
        fixed (byte* to = destination)
        {
            nint at = (nint)to + 32;
            var pieces = ranges.Select(r => new FilterCodec.ChunkPiece(r.From, r.Length, at + r.From)).ToArray();
            Assert.True(FilterCodec.TryReverseIntoPieces(pipeline, metadata, data, TileDbDatatype.Float32, "test.tdb", chunk.Length, pieces));
            foreach (var (from, length) in ranges) Assert.Equal(chunk.AsSpan(from, length).ToArray(), destination.AsSpan(from + 32, length).ToArray());
            Assert.All(destination.AsSpan(32 + 4 * 17, 4 * 100 - 4 * 17).ToArray(), b => Assert.Equal(0, b)); // a gap stays untouched

            // A piece that splits an element, or a pipeline without the shuffle, is declined with nothing written.
            Array.Clear(destination);
            Assert.False(FilterCodec.TryReverseIntoPieces(pipeline, metadata, data, TileDbDatatype.Float32, "test.tdb", chunk.Length, [new FilterCodec.ChunkPiece(2, 8, (nint)to)]));
            var zstd = Pipeline(TileDbFilterType.Zstd);
            var (zstdMetadata, zstdData) = FilterCodec.Forward(zstd, chunk, TileDbDatatype.Float32);
            Assert.False(FilterCodec.TryReverseIntoPieces(zstd, zstdMetadata, zstdData, TileDbDatatype.Float32, "test.tdb", chunk.Length, [new FilterCodec.ChunkPiece(0, 8, (nint)to)]));
            Assert.All(destination, b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void BitShuffle_TransposesBitsOfGroupsOfEight()
    {
        var pipeline = Pipeline(TileDbFilterType.BitShuffle);
        // uint8: row r holds bit r of each of the 8 elements, element i at bit i of the row byte.
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128], Decode(pipeline, TileDbDatatype.UInt8, 8, U32(1, 8), [1, 2, 4, 8, 16, 32, 64, 128]));
        Assert.Equal([0xFF, 0, 0, 0, 0, 0, 0, 0], Decode(pipeline, TileDbDatatype.UInt8, 8, U32(1, 8), [1, 1, 1, 1, 1, 1, 1, 1]));
        // uint16 x 8, all 0x0100: bit 0 of byte 1 is row 8, so shuffled byte 8 is 0xFF.
        byte[] rows = new byte[16];
        rows[8] = 0xFF;
        Assert.Equal(Enumerable.Repeat(new byte[] { 0, 1 }, 8).SelectMany(x => x), Decode(pipeline, TileDbDatatype.UInt16, 16, U32(1, 16), rows));
        // Elements 0 and 3 of 8 set to 0xFFFF: every row byte is 0b1001 = 9.
        byte[] values = Cat(BitConverter.GetBytes((ushort)0xFFFF), new byte[4], BitConverter.GetBytes((ushort)0xFFFF), new byte[8]);
        Assert.Equal(values, Decode(pipeline, TileDbDatatype.UInt16, 16, U32(1, 16), Enumerable.Repeat((byte)9, 16).ToArray()));
        // A second part that is not a whole group of 8 is stored unshuffled.
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 42, 43], Decode(pipeline, TileDbDatatype.UInt8, 10, U32(2, 8, 2), [1, 2, 4, 8, 16, 32, 64, 128, 42, 43]));
    }

    [Fact]
    public void Delta_StoresCountFirstValueAndDifferences()
    {
        // int32 [10, 13, 11]: part = [u64 3][10][3][-2], wrapped in the compressor header.
        byte[] part = Cat(U64(3), I32(10, 3, -2));
        Assert.Equal(I32(10, 13, 11), Decode(Pipeline(TileDbFilterType.Delta), TileDbDatatype.Int32, 12, OneCompressedPart(12, part.Length), part));
        // Reinterpreted: float32 tile bytes decoded as int32 deltas.
        var reinterpret = TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Delta, 0, TileDbDatatype.Int32));
        Assert.Equal(I32(10, 13, 11), Decode(reinterpret, TileDbDatatype.Float32, 12, OneCompressedPart(12, part.Length), part));
    }

    [Fact]
    public void DoubleDelta_BitPacksSignAndMagnitude()
    {
        // int32 [1, 3, 6, 10, 15]: deltas 2,3,4,5 so double deltas 1,1,1; bitsize 1; bits "01" x3 from the top of a u64.
        byte[] part = Cat([1], U64(5), I32(1, 3), U64(0b010101UL << 58));
        Assert.Equal(I32(1, 3, 6, 10, 15), Decode(Pipeline(TileDbFilterType.DoubleDelta), TileDbDatatype.Int32, 20, OneCompressedPart(20, part.Length), part));
        // int64 [5, 4, 2]: deltas -1, -2, double delta -1: sign bit 1, magnitude 1.
        byte[] negative = Cat([1], U64(3), BitConverter.GetBytes(5L), BitConverter.GetBytes(4L), U64(0b11UL << 62));
        Assert.Equal(Cat(BitConverter.GetBytes(5L), BitConverter.GetBytes(4L), BitConverter.GetBytes(2L)),
            Decode(Pipeline(TileDbFilterType.DoubleDelta), TileDbDatatype.Int64, 24, OneCompressedPart(24, negative.Length), negative));
        // bitsize = 8 x size - 1: the values follow raw.
        byte[] raw = Cat([31], U64(2), I32(int.MinValue, int.MaxValue));
        Assert.Equal(I32(int.MinValue, int.MaxValue), Decode(Pipeline(TileDbFilterType.DoubleDelta), TileDbDatatype.Int32, 8, OneCompressedPart(8, raw.Length), raw));
    }

    [Theory]
    [InlineData(TileDbFilterType.ChecksumMd5)]
    [InlineData(TileDbFilterType.ChecksumSha256)]
    public void Checksums_AreVerified_AndAMismatchNamesTheFile(TileDbFilterType type)
    {
        byte[] data = [9, 8, 7, 6, 5];
        byte[] hash = type == TileDbFilterType.ChecksumMd5 ? MD5.HashData(data) : SHA256.HashData(data);
        byte[] metadata = Cat(U32(0, 1), U64(5), hash); // no metadata checksums, one data checksum over 5 bytes
        Assert.Equal(data, Decode(Pipeline(type), TileDbDatatype.UInt8, 5, metadata, data));
        var e = Assert.Throws<DataCorruptionException>(() => Decode(Pipeline(type), TileDbDatatype.UInt8, 5, metadata, [9, 8, 7, 6, 4]));
        Assert.Contains("test.tdb", e.Message);
        Assert.Contains(type.ToString(), e.Message);
    }

    [Fact]
    public void ChainedFilters_ChecksumThenZstd_MetadataTravelsThroughTheCompressor()
    {
        // Forward: SHA-256 adds metadata; zstd then compresses that metadata as its own part.
        byte[] data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        byte[] checksumMetadata = Cat(U32(0, 1), U64(300), SHA256.HashData(data));
        using var zstd = new ZstdSharp.Compressor(1);
        byte[] zMeta = zstd.Wrap(checksumMetadata).ToArray(), zData = zstd.Wrap(data).ToArray();
        byte[] metadata = U32(1, 1, (uint)checksumMetadata.Length, (uint)zMeta.Length, 300, (uint)zData.Length);
        var pipeline = Pipeline(TileDbFilterType.ChecksumSha256, TileDbFilterType.Zstd);
        Assert.Equal(data, Decode(pipeline, TileDbDatatype.UInt8, 300, metadata, Cat(zMeta, zData)));
    }

    [Fact]
    public void UnsupportedFilters_AreRefusedClearly()
    {
        var e = Assert.Throws<NotSupportedException>(() => Decode(Pipeline(TileDbFilterType.Bzip2), TileDbDatatype.UInt8, 1, [], [1]));
        Assert.Contains("Bzip2", e.Message);
        Assert.Throws<NotSupportedException>(() => FilterCodec.CheckSupported(Pipeline(TileDbFilterType.Rle), "attribute 'a'"));
        // Delta on floats without reinterpretation has no defined integer arithmetic.
        byte[] part = Cat(U64(1), I32(1));
        Assert.Throws<NotSupportedException>(() => Decode(Pipeline(TileDbFilterType.Delta), TileDbDatatype.Float32, 4, OneCompressedPart(4, part.Length), part));
    }

    [Fact]
    public void DamagedChunkHeaders_AreDataCorruption()
    {
        Assert.Throws<DataCorruptionException>(() => new FilteredTile(Cat(U64(1), U32(4, 100, 0), [1, 2]), "t.tdb"));
        Assert.Throws<DataCorruptionException>(() => Decode(Pipeline(TileDbFilterType.Zstd), TileDbDatatype.UInt8, 10, OneCompressedPart(10, 3), [1, 2, 3]));
        Assert.Throws<DataCorruptionException>(() => Decode(TileDbFilterPipeline.Empty, TileDbDatatype.UInt8, 5, [], [1, 2, 3]));
    }

    [Fact]
    public void EncodedByOurWriter_DecodesForEveryFilterAndType()
    {
        var rng = new Random(5);
        TileDbFilterType[] filters = [TileDbFilterType.Gzip, TileDbFilterType.Zstd, TileDbFilterType.Lz4, TileDbFilterType.ByteShuffle, TileDbFilterType.BitShuffle,
            TileDbFilterType.Delta, TileDbFilterType.DoubleDelta, TileDbFilterType.ChecksumMd5, TileDbFilterType.ChecksumSha256];
        foreach (var type in (TileDbDatatype[])[TileDbDatatype.Int8, TileDbDatatype.UInt16, TileDbDatatype.Int32, TileDbDatatype.Int64])
            foreach (var first in filters)
                foreach (var second in filters.Where(f => f is not (TileDbFilterType.Delta or TileDbFilterType.DoubleDelta)))
                {
                    // Deltas come first: they need whole values of the tile type, which compressed bytes are not.
                    int size = TileDbTypes.Size(type);
                    byte[] tile = new byte[size * rng.Next(1, 3000)];
                    rng.NextBytes(tile);
                    var pipeline = new TileDbFilterPipeline((uint)rng.Next(16, 5000), [new TileDbFilter(first, 1), new TileDbFilter(second, 1)]);
                    var filtered = new FilteredTile(FilteredTile.Encode(tile, pipeline, type, size), "t");
                    Assert.Equal(tile, filtered.Decode(pipeline, type, 0, tile.Length));
                    Assert.Equal(tile[size..^0], filtered.Decode(pipeline, type, size, tile.Length));
                }
    }

    [Theory]
    [InlineData(new TileDbFilterType[0])]
    [InlineData(new[] { TileDbFilterType.ChecksumSha256 })]
    [InlineData(new[] { TileDbFilterType.ChecksumMd5, TileDbFilterType.ChecksumSha256 })]
    [InlineData(new[] { TileDbFilterType.Zstd, TileDbFilterType.ChecksumSha256 })]
    [InlineData(new[] { TileDbFilterType.Lz4, TileDbFilterType.None, TileDbFilterType.ChecksumMd5 })]
    [InlineData(new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd })]
    [InlineData(new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd, TileDbFilterType.ChecksumSha256 })]
    [InlineData(new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Lz4, TileDbFilterType.ChecksumMd5 })]
    public void InPlaceEncoding_GivesTheBytesOfTheFilterByFilterPath(TileDbFilterType[] types)
    {
        // The writer builds the usual pipelines in place; they must give exactly what running each filter in turn gives.
        var pipeline = TileDbFilterPipeline.Of(types.Select(t => new TileDbFilter(t, 3)).ToArray());
        byte[] chunk = new byte[10_000];
        new Random(9).NextBytes(chunk.AsSpan(0, 5000)); // half random, half zeros: compressible
        var (metadata, data) = FilterCodec.Forward(pipeline, chunk, TileDbDatatype.Float32);
        using var output = new PooledWriter(16);
        FilterCodec.ForwardInto(pipeline, chunk, TileDbDatatype.Float32, output);
        var (buffer, length) = output.Detach();
        Assert.Equal(Cat(U32((uint)chunk.Length, (uint)data.Length, (uint)metadata.Length), metadata, data), buffer.AsSpan(0, length).ToArray());
    }

    [Theory]
    [InlineData(TileDbFilterType.Rle)]
    [InlineData(TileDbFilterType.Bzip2)]
    [InlineData(TileDbFilterType.BitWidthReduction)]
    [InlineData(TileDbFilterType.PositiveDelta)]
    [InlineData(TileDbFilterType.Dictionary)]
    [InlineData(TileDbFilterType.ScaleFloat)]
    [InlineData(TileDbFilterType.Xor)]
    [InlineData(TileDbFilterType.Webp)]
    public void ArrayWithAFilterWeCannotReverse_IsRefusedNamingFilterAttributeAndArray(TileDbFilterType filter)
    {
        // Our writer refuses these filters, so write with zstd and then put the filter into the schema file itself.
        string path = Path.Combine(TestPaths.NewTempDirectory(), "a");
        var schema = new TileDbSchema(0, TileDbArrayType.Dense, TileDbLayout.RowMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty,
            [new TileDbDimension("d", TileDbDatatype.Int32, 0, 3, 4, TileDbFilterPipeline.Empty)],
            [new TileDbAttribute("v", TileDbDatatype.Int32, 1, TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, 1)), new byte[4])]);
        TileDbWriter.Create(path, schema);
        TileDbWriter.WriteDense(path, [new DimensionRange(0, 4)], new Dictionary<string, byte[]> { ["v"] = new byte[16] });
        string schemaFile = Assert.Single(Directory.GetFiles(Path.Combine(path, "__schema")));
        var patched = schema with { Attributes = [schema.Attributes[0] with { Filters = TileDbFilterPipeline.Of(new TileDbFilter(filter, 1)) }] };
        File.WriteAllBytes(schemaFile, GenericTile.Write(SchemaCodec.Write(patched)));

        var array = TileDbArray.Open(path);
        var e = Assert.Throws<NotSupportedException>(() => array.ReadDense("v"));
        Assert.Contains(filter.ToString(), e.Message);
        Assert.Contains("'v'", e.Message);
        Assert.Contains(array.Path, e.Message);
    }
}
