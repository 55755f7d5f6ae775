using System.Buffers.Binary;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// The pipelines the store writes: a byte shuffle gets one chunk per tile (its planes span the tile), every other
/// pipeline TileDB's 64 KiB chunks; the default shuffles then compresses with zstd 3 and reads back any window exactly.
/// </summary>
public class StorePipelineTests
{
    [Theory]
    [InlineData("shuffle+zstd", true)]
    [InlineData("shuffle+lz4+sha256", true)]
    [InlineData("zstd", false)]
    [InlineData("zstd:1+sha256", false)]
    [InlineData("bitshuffle+zstd", false)]
    [InlineData("none", false)]
    public void ByteShuffledPipelines_TakeOneChunkPerTile(string spec, bool wholeTile) =>
        Assert.Equal(wholeTile ? ArrayStore.TileBytes : TileDbFilterPipeline.DefaultMaxChunkSize, ArrayStore.ParseDataFilters(spec).MaxChunkSize);

    [Fact]
    public void TheDefault_ShufflesThenZstd3_InOneChunkPerTile_AndReadsEveryWindowBack()
    {
        var pipeline = ArrayStore.DefaultDataFilters;
        Assert.Equal([TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd], pipeline.Filters.Select(f => f.Type));
        Assert.Equal(3, pipeline.Filters[1].Level);
        Assert.Equal(ArrayStore.TileBytes, pipeline.MaxChunkSize);

        string root = TestPaths.NewTempDirectory();
        var store = new ArrayStore(root);
        // Partial tiles along both dimensions; values with a noise-like mantissa, as DAS samples have.
        const int channels = 40, samples = 2 * (int)ArrayStore.TimeTileExtent + 1000;
        var rng = new Random(11);
        var block = Enumerable.Range(0, channels * samples).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e-3f).ToArray();
        store.Create("a", channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
        store.AppendTimeBlock("a", block, channels, samples);

        string file = Directory.GetFiles(Path.Combine(root, "arrays", "a"), "a0.tdb", SearchOption.AllDirectories).Single();
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(file).AsSpan(0, 8))); // the first tile's chunk count

        using var array = store.Open("a");
        foreach (var (c0, nc, step, t0, nt) in new (long, long, long, long, long)[]
            { (0, channels, 1, 0, samples), (30, 5, 1, 8000, 400), (7, 1, 1, 0, samples), (1, 13, 3, 16000, 1384) })
        {
            var values = new float[nc * nt];
            array.Read(c0, nc, step, t0, nt, values);
            for (long c = 0; c < nc; c++)
                Assert.True(block.AsSpan((int)((c0 + c * step) * samples + t0), (int)nt).SequenceEqual(values.AsSpan((int)(c * nt), (int)nt)),
                    $"channel {c0 + c * step}, samples [{t0}, {t0 + nt})");
        }
    }
}
