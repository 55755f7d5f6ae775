using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// zstd, then SHA-256 (the store's default until the tenth session, and what <c>--filters zstd+sha256</c> writes) over
/// a tile of twenty 64 KiB chunks, whose sums are checked together (sixteen at a time where AVX-512 allows): every
/// damaged chunk is named by its checksum, data or metadata, and a read that needs only undamaged chunks still reads.
/// </summary>
public class ChunkChecksumTests
{
    private const long Rows = 8, Columns = 40_000; // one tile of 1.28 MB: 20 chunks
    private static readonly TileDbFilterPipeline ZstdThenSha256 = ArrayStore.ParseDataFilters("zstd+sha256");

    private static (string Path, string DataFile, float[] Values) WriteArray()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "a");
        TileDbWriter.Create(path, new TileDbSchema(0, TileDbArrayType.Dense, TileDbLayout.RowMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty,
            [new TileDbDimension("r", TileDbDatatype.Int64, 0, Rows - 1, Rows, TileDbFilterPipeline.Empty),
                new TileDbDimension("c", TileDbDatatype.Int64, 0, Columns - 1, Columns, TileDbFilterPipeline.Empty)],
            [new TileDbAttribute("v", TileDbDatatype.Float32, 1, ZstdThenSha256, BitConverter.GetBytes(float.NaN))]));
        var rng = new Random(5);
        var values = new float[Rows * Columns];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        TileDbWriter.WriteDense(path, [new DimensionRange(0, Rows), new DimensionRange(0, Columns)], "v", values.AsSpan());
        return (path, Directory.GetFiles(path, "a0.tdb", SearchOption.AllDirectories).Single(), values);
    }

    private static float[] Read(string path, long firstRow, long rows)
    {
        var values = new float[rows * Columns];
        TileDbArray.Open(path).ReadDense("v", [new DimensionRange(firstRow, rows), new DimensionRange(0, Columns)], MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    [Fact]
    public void AnUndamagedTile_ReadsBack()
    {
        var (path, _, values) = WriteArray();
        Assert.Equal(values, Read(path, 0, Rows));
    }

    [Theory]
    // The tile: [u64 chunk count], then per chunk [u32 original][u32 stored][u32 metadata length], the SHA-256 filter's
    // metadata (two sums of 8 + 32 bytes after an 8-byte header: 88), zstd's 16 and the frame: chunk 0's zstd metadata
    // starts at 8 + 12 + 88 = 108 and its frame at 124; the file's last byte ends the last chunk's frame.
    [InlineData(110, "metadata bytes [0, 16)")]
    [InlineData(200, "data bytes [0, ")]
    [InlineData(-1, "data bytes [0, ")]
    public void ADamagedChunk_IsNamedByItsChecksum(long position, string what)
    {
        var (path, dataFile, _) = WriteArray();
        var bytes = File.ReadAllBytes(dataFile);
        bytes[position >= 0 ? position : bytes.Length + position] ^= 0x10;
        File.WriteAllBytes(dataFile, bytes);
        var e = Assert.Throws<DataCorruptionException>(() => Read(path, 0, Rows));
        Assert.Contains($"ChecksumSha256 mismatch on {what}", e.Message);
    }

    [Theory]
    [InlineData("zstd+sha256")]
    [InlineData("shuffle+zstd+sha256")] // its sums also cover the compressor's metadata part (the shuffle's)
    public void SumsWrittenTogether_VerifyOneByOne(string spec)
    {
        // Encoding leaves the pipeline's sums to be computed sixteen at a time (with AVX-512); decoding without
        // the batch checks each chunk through .NET's SHA-256.
        var pipeline = ArrayStore.ParseDataFilters(spec);
        var tile = new byte[(int)(Rows * Columns * 4)];
        new Random(9).NextBytes(tile);
        var encoded = Storage.Internal.FilteredTile.Encode(tile, pipeline, TileDbDatatype.Float32, 4);
        var decoded = new byte[tile.Length];
        new Storage.Internal.FilteredTile(encoded, "tile").DecodeInto(pipeline, TileDbDatatype.Float32, 0, tile.Length, decoded);
        Assert.Equal(tile, decoded);
    }

    [Fact]
    public void OnlyTheChunksARowNeedsAreChecked()
    {
        // Row 0 lies in the first three chunks (160,000 bytes); damage the last chunk and read row 0 only.
        var (path, dataFile, values) = WriteArray();
        var bytes = File.ReadAllBytes(dataFile);
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(dataFile, bytes);
        Assert.Equal(values.AsSpan(0, (int)Columns).ToArray(), Read(path, 0, 1));
        Assert.Throws<DataCorruptionException>(() => Read(path, Rows - 1, 1));
    }
}
