using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Tiles whose rows are longer than a 64 KiB chunk: the reader decodes chunks that lie wholly inside a selected row
/// straight into the destination, and the partial chunks at the row ends through its scratch buffer; byte-shuffled
/// chunks unshuffle each row's piece straight into its place (one chunk per tile, as the store writes them, or rows
/// across 64 KiB chunks). Every subarray must read back exactly what was written, whatever the filters (compressed,
/// checksummed, shuffled, stored as is).
/// </summary>
public class LongTileRowTests
{
    [Theory]
    [InlineData("zstd")]
    [InlineData("zstd+sha256")]
    [InlineData("lz4")]
    [InlineData("none")]
    [InlineData("shuffle+zstd")]
    [InlineData("shuffle+lz4+sha256")]
    [InlineData("shuffle+zstd in 64 KiB chunks")]
    public void Subarrays_ReadBackWhatWasWritten(string filterNames)
    {
        const string SmallChunks = " in 64 KiB chunks";
        var filters = filterNames switch
        {
            "none" => TileDbFilterPipeline.Empty,
            _ when filterNames.EndsWith(SmallChunks, StringComparison.Ordinal)
                => ArrayStore.ParseDataFilters(filterNames[..^SmallChunks.Length]) with { MaxChunkSize = TileDbFilterPipeline.DefaultMaxChunkSize },
            _ => ArrayStore.ParseDataFilters(filterNames),
        };
        const long rows = 5, columns = 90_000, rowExtent = 2, columnExtent = 40_000; // a tile row is 160,000 bytes: 2.4 chunks
        string path = Path.Combine(TestPaths.NewTempDirectory(), "a");
        TileDbWriter.Create(path, new TileDbSchema(0, TileDbArrayType.Dense, TileDbLayout.RowMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty,
            [new TileDbDimension("r", TileDbDatatype.Int64, 0, rows - 1, rowExtent, TileDbFilterPipeline.Empty),
                new TileDbDimension("c", TileDbDatatype.Int64, 0, columns - 1, columnExtent, TileDbFilterPipeline.Empty)],
            [new TileDbAttribute("v", TileDbDatatype.Float32, 1, filters, BitConverter.GetBytes(float.NaN))]));
        var rng = new Random(3);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++) values[i] = MathF.Round((float)rng.NextDouble() * 1000) / 8;
        TileDbWriter.WriteDense(path, [new DimensionRange(0, rows), new DimensionRange(0, columns)], "v", values.AsSpan());

        var array = TileDbArray.Open(path);
        foreach (var (r0, rn, c0, cn) in new (long, long, long, long)[]
        {
            (0, rows, 0, columns), (1, 3, 0, columns), (0, rows, 16384, 40000), (2, 2, 39_999, 40_002), (4, 1, 80_000, 10_000), (0, 1, 123, 65_000),
        })
        {
            var read = new float[rn * cn];
            array.ReadDense("v", [new DimensionRange(r0, rn), new DimensionRange(c0, cn)], MemoryMarshal.AsBytes(read.AsSpan()));
            for (long r = 0; r < rn; r++)
                Assert.True(values.AsSpan((int)((r0 + r) * columns + c0), (int)cn).SequenceEqual(read.AsSpan((int)(r * cn), (int)cn)),
                    $"{filterNames}: rows [{r0}, {r0 + rn}) columns [{c0}, {c0 + cn}), row {r0 + r} differs");
        }
    }
}
