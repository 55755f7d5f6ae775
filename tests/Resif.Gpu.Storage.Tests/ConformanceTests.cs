using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Arrays written by real TileDB (../shared/conformance/tiledb, see its README): every value must come back exactly,
/// since these are stored float32/integer values with no arithmetic on the way.
/// </summary>
public class ConformanceTests
{
    private static string Fixture(string name) => TestPaths.ConformanceFile("tiledb", name);

    /// <summary>The .fvecs reference: records of int32 d then d float32.</summary>
    internal static float[][] ReadFvecs(string name)
    {
        using var reader = new BinaryReader(File.OpenRead(TestPaths.ConformanceFile("tiledb", "_expected", name)));
        var vectors = new List<float[]>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            int d = reader.ReadInt32();
            vectors.Add(Enumerable.Range(0, d).Select(_ => reader.ReadSingle()).ToArray());
        }
        return [.. vectors];
    }

    internal static void AssertMatrixMatchesVectors(TileDbData data, float[][] vectors, int columns)
    {
        Assert.Equal([128L, columns], data.Shape);
        var values = (float[])data.Values;
        for (int r = 0; r < 128; r++)
            for (int c = 0; c < columns; c++)
                Assert.Equal(vectors[c][r], values[r * columns + c]);
    }

    [Fact]
    public void SiftsmallQueriesV21_PartialEdgeTilesColMajor()
    {
        var array = TileDbArray.Open(Fixture("siftsmall-queries-v21"));
        Assert.Equal(21u, array.Schema.Version);
        Assert.Equal(TileDbLayout.ColMajor, array.Schema.CellOrder);
        Assert.Equal(13, array.Schema.Dimensions[0].TileExtent);
        var data = array.ReadDense("values");
        AssertMatrixMatchesVectors(data, ReadFvecs("siftsmall_queries.fvecs"), 100);
        var values = (float[])data.Values;
        Assert.Equal(335028.0, values.Sum(v => (double)v));
        Assert.Equal([1f, 3, 11, 110, 62, 22, 4, 0], Enumerable.Range(0, 8).Select(r => values[r * 100]));
        Assert.Equal(102f, values[64 * 100 + 42]);
    }

    [Fact]
    public void SiftsmallQueriesV21_SubarrayWithSteps()
    {
        var array = TileDbArray.Open(Fixture("siftsmall-queries-v21"));
        var vectors = ReadFvecs("siftsmall_queries.fvecs");
        var data = array.ReadDense("values", [new DimensionRange(5, 40, 3), new DimensionRange(7, 9, 10)]);
        var values = (float[])data.Values;
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 9; j++)
                Assert.Equal(vectors[7 + 10 * j][5 + 3 * i], values[i * 9 + j]);
    }

    [Theory]
    [InlineData("bc0010-flat-float32-parts-v21")]
    [InlineData("bc0100-flat-float32-vectors-v22")]
    public void FlatIndexVectors_ConsolidatedCommitsOnly(string fixture)
    {
        var array = TileDbArray.Open(Fixture(fixture));
        Assert.Equal(1, array.FragmentCount);
        var data = array.ReadDense("values", [DimensionRange.Inclusive(0, 127), DimensionRange.Inclusive(0, 99)]);
        AssertMatrixMatchesVectors(data, ReadFvecs("siftmicro_base.fvecs"), 100);
        Assert.Equal(341328.0, ((float[])data.Values).Sum(v => (double)v));
    }

    [Fact]
    public void FlatIndexUint8()
    {
        var array = TileDbArray.Open(Fixture("bc0010-flat-uint8-parts-v21"));
        var data = array.ReadDense("values");
        Assert.Equal(TileDbDatatype.UInt8, data.Type);
        var values = (byte[])data.Values;
        var vectors = ReadFvecs("siftmicro_base.fvecs");
        for (int r = 0; r < 128; r++)
            for (int c = 0; c < 100; c++) Assert.Equal((byte)vectors[c][r], values[r * 100 + c]);
        Assert.Equal(341328L, values.Sum(v => (long)v));
    }

    [Fact]
    public void IdsUint64V22_ZstdAndFill()
    {
        var array = TileDbArray.Open(Fixture("bc0100-flat-float32-ids-v22"));
        var attr = array.Schema.Attributes[0];
        Assert.Equal(TileDbDatatype.UInt64, attr.Type);
        Assert.Equal(TileDbFilterType.Zstd, Assert.Single(attr.Filters.Filters).Type);
        var values = (ulong[])array.ReadDense("values", [DimensionRange.Inclusive(0, 101)]).Values;
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (ulong)i), values[..100]);
        // Cells 100 and 101 were never written: the schema's fill value comes back.
        Assert.Equal([ulong.MaxValue, ulong.MaxValue], values[100..]);
    }

    [Fact]
    public void SomaV10_PreV12LayoutEmptyAttributeName()
    {
        var array = TileDbArray.Open(Fixture("soma-uint64-int64-10cells-v10"));
        Assert.Equal(10u, array.Schema.Version);
        Assert.Equal(TileDbDatatype.UInt64, array.Schema.Dimensions[0].Type);
        var values = (long[])array.ReadDense("").Values;
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), values);
        Assert.Equal([1L], (long[])array.ReadDense("", [new DimensionRange(1, 1)]).Values);
    }

    [Fact]
    public void LegacyV9Metadata()
    {
        var array = TileDbArray.Open(Fixture("r-legacy-validity-v9-meta"));
        Assert.Equal(2, array.Metadata.Count);
        Assert.Equal([123, 456, 789], array.Metadata["data"].As<int>());
        Assert.Equal(TileDbDatatype.StringAscii, array.Metadata["text"].Type);
        Assert.Equal("the quick brown fox", array.Metadata["text"].AsString());
        Assert.Throws<NotSupportedException>(() => array.ReadDense("a0"));
    }

    [Fact]
    public void NegativeExperimentalVersionIsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => TileDbArray.Open(Fixture("neg-experimental-vuint32max")));
        Assert.Contains("4294967295", e.Message);
        Assert.Contains("newer", e.Message);
    }

    [Fact]
    public void NegativeTileDb13ArrayIsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => TileDbArray.Open(Fixture("neg-dense-v1_3_0")));
        Assert.Contains(Path.Combine("neg-dense-v1_3_0", "__array_schema.tdb"), e.Message);
        Assert.Contains("before TileDB 1.4", e.Message);
    }

    [Fact]
    public void LegacyV2ArrayIsRefusedAsTooOld()
    {
        var e = Assert.Throws<NotSupportedException>(() => TileDbArray.Open(Fixture("legacy-spark-dense-v2")));
        Assert.Contains("format version 2 is older", e.Message);
    }
}
