using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// The scatter read of tiles stored as is: rows land in their places and nothing else is written, over chunk
/// boundaries, gaps, chunks without rows and more buffers than one call takes; any layout but the writer's is declined.
/// </summary>
public unsafe class PlainTileReaderTests
{
    private const int CellSize = 4, TileStart = 100;
    private const byte Untouched = 0xA5;

    // A tile of `rows` x `columns` float32 cells in row-major order, encoded with `chunkSize`-byte chunks after TileStart bytes of other data.
    private static (string Path, byte[] Tile, long StoredBytes) WriteTile(int rows, int columns, uint chunkSize, Random rng)
    {
        var tile = new byte[rows * columns * CellSize];
        rng.NextBytes(tile);
        var stored = FilteredTile.Encode(tile, new TileDbFilterPipeline(chunkSize, []), TileDbDatatype.Float32, CellSize);
        string path = Path.Combine(TestPaths.NewTempDirectory(), "tile.tdb");
        var prefix = new byte[TileStart];
        rng.NextBytes(prefix);
        File.WriteAllBytes(path, [.. prefix, .. stored, .. prefix]);
        return (path, tile, stored.Length);
    }

    // Reads rows firstRow, firstRow + rowStep, ... (count of them), `run` cells from `column` each, into rows of `stride` cells.
    private static (bool Read, byte[] Destination) ReadRows(string path, long storedBytes, int tileBytes, int chunkSize, int columns,
        int firstRow, int rowStep, int count, int column, int run, int stride)
    {
        var destination = new byte[count * stride * CellSize];
        Array.Fill(destination, Untouched);
        using var handle = File.OpenHandle(path);
        fixed (byte* pinned = destination)
        {
            nint to = (nint)pinned;
            var rows = Enumerable.Range(0, count)
                .Select(i => ((long)((firstRow + i * rowStep) * columns + column) * CellSize, to + (nint)i * stride * CellSize)).ToList();
            bool read = PlainTileReader.TryReadRows(handle, TileStart, storedBytes, tileBytes, chunkSize, rows, run * CellSize);
            return (read, destination);
        }
    }

    [Fact]
    public void RandomRowSets_LandInPlace_AndNothingElseIsWritten()
    {
        var rng = new Random(20261126);
        for (int trial = 0; trial < 200; trial++)
        {
            int rows = rng.Next(1, 400), columns = rng.Next(1, 300);
            int chunkSize = CellSize * rng.Next(1, 600);
            var (path, tile, storedBytes) = WriteTile(rows, columns, (uint)chunkSize, rng);
            int rowStep = rng.Next(1, 4), firstRow = rng.Next(rows);
            int count = rng.Next(1, (rows - 1 - firstRow) / rowStep + 2);
            int column = rng.Next(columns), run = rng.Next(1, columns - column + 1);
            int stride = run + rng.Next(3);

            var (read, destination) = ReadRows(path, storedBytes, tile.Length, chunkSize, columns, firstRow, rowStep, count, column, run, stride);

            string where = $"trial {trial}: {rows} x {columns} cells, {chunkSize}-byte chunks, rows {firstRow}+{rowStep}k ({count}), columns [{column}, {column + run})";
            Assert.True(read, where);
            for (int i = 0; i < count; i++)
            {
                int row = firstRow + i * rowStep;
                var expected = tile.AsSpan((row * columns + column) * CellSize, run * CellSize);
                var actual = destination.AsSpan(i * stride * CellSize, stride * CellSize);
                Assert.True(expected.SequenceEqual(actual[..(run * CellSize)]), $"{where}: row {row} differs");
                Assert.True(actual[(run * CellSize)..].IndexOfAnyExcept(Untouched) < 0, $"{where}: bytes after row {row} were written");
            }
        }
    }

    [Fact]
    public void ManyShortRows_NeedSeveralCalls_AndStillLandInPlace()
    {
        // 3000 rows of 2 cells out of 5: about 6000 buffers, beyond the 1024 one call takes.
        var rng = new Random(7);
        var (path, tile, storedBytes) = WriteTile(3000, 5, 65536, rng);
        var (read, destination) = ReadRows(path, storedBytes, tile.Length, 65536, 5, 0, 1, 3000, 1, 2, 2);
        Assert.True(read);
        for (int row = 0; row < 3000; row++)
            Assert.True(tile.AsSpan((row * 5 + 1) * CellSize, 2 * CellSize).SequenceEqual(destination.AsSpan(row * 2 * CellSize, 2 * CellSize)), $"row {row}");
    }

    [Fact]
    public void OtherLayouts_AreDeclined()
    {
        var rng = new Random(11);
        var (path, tile, storedBytes) = WriteTile(64, 100, 4000, rng);
        // The same tile read as if its chunks were 4096 bytes: the stored size no longer fits, or a header disagrees.
        Assert.False(ReadRows(path, storedBytes, tile.Length, 4096, 100, 0, 1, 64, 0, 100, 100).Read);
        // A chunk that claims metadata (as a checksum filter's would).
        var bytes = File.ReadAllBytes(path);
        bytes[TileStart + 8 + 8] = 1;
        File.WriteAllBytes(path, bytes);
        Assert.False(ReadRows(path, storedBytes, tile.Length, 4000, 100, 0, 1, 64, 0, 100, 100).Read);
        // A file cut short inside the tile.
        File.WriteAllBytes(path, bytes[..(TileStart + (int)storedBytes / 2)]);
        Assert.False(ReadRows(path, storedBytes, tile.Length, 4000, 100, 0, 1, 64, 0, 100, 100).Read);
    }

    [Fact]
    public void OnlyPipelinesThatStoreBytesAsTheyAre_Apply()
    {
        Assert.True(PlainTileReader.Applies(TileDbFilterPipeline.Empty));
        Assert.True(PlainTileReader.Applies(TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.None))));
        Assert.False(PlainTileReader.Applies(TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.ChecksumSha256))));
        Assert.False(PlainTileReader.Applies(TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Lz4))));
    }
}
