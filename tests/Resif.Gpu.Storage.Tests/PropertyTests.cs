using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Random schemas (1-3 integer dimensions of several types, random domains, tile extents and orders; attributes of
/// every fixed-size numeric type, 1 or 2 values per cell, random filter pipelines), random overlapping writes and random
/// strided subarray reads, compared byte for byte with a naive in-memory model; then again after consolidation.
/// </summary>
public class PropertyTests
{
    private sealed record Case(TileDbSchema Schema, long[] Low, long[] Length);

    private static Case RandomCase(Random rng)
    {
        int dims = rng.Next(1, 4);
        TileDbDatatype[] dimTypes = [TileDbDatatype.Int32, TileDbDatatype.Int64, TileDbDatatype.UInt16, TileDbDatatype.UInt64, TileDbDatatype.Int16];
        var dimensions = new List<TileDbDimension>();
        for (int d = 0; d < dims; d++)
        {
            var type = dimTypes[rng.Next(dimTypes.Length)];
            bool unsigned = type is TileDbDatatype.UInt16 or TileDbDatatype.UInt64;
            long low = unsigned ? rng.Next(0, 50) : rng.Next(-50, 50);
            long length = rng.Next(1, dims == 1 ? 200 : dims == 2 ? 40 : 12);
            dimensions.Add(new TileDbDimension($"d{d}", type, low, low + length - 1, rng.Next(1, (int)length + 1), TileDbFilterPipeline.Empty));
        }
        TileDbDatatype[] attrTypes = [TileDbDatatype.Int8, TileDbDatatype.UInt8, TileDbDatatype.Int16, TileDbDatatype.UInt16, TileDbDatatype.Int32,
            TileDbDatatype.UInt32, TileDbDatatype.Int64, TileDbDatatype.UInt64, TileDbDatatype.Float32, TileDbDatatype.Float64];
        var attributes = new List<TileDbAttribute>();
        for (int a = 0; a < rng.Next(1, 3); a++)
        {
            var type = attrTypes[rng.Next(attrTypes.Length)];
            uint valNum = (uint)rng.Next(1, 3);
            var fill = new byte[TileDbTypes.Size(type) * valNum];
            rng.NextBytes(fill);
            attributes.Add(new TileDbAttribute($"a{a}", type, valNum, RandomPipeline(rng, type), fill));
        }
        TileDbLayout Order() => rng.Next(2) == 0 ? TileDbLayout.RowMajor : TileDbLayout.ColMajor;
        var schema = new TileDbSchema(0, TileDbArrayType.Dense, Order(), Order(), 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, dimensions, attributes);
        return new Case(schema, dimensions.Select(d => d.Low).ToArray(), dimensions.Select(d => d.Length).ToArray());
    }

    private static TileDbFilterPipeline RandomPipeline(Random rng, TileDbDatatype type)
    {
        var filters = new List<TileDbFilter>();
        bool integer = type is not (TileDbDatatype.Float32 or TileDbDatatype.Float64);
        if (rng.Next(3) == 0) filters.Add(new TileDbFilter(rng.Next(2) == 0 ? TileDbFilterType.Delta : TileDbFilterType.DoubleDelta, 0, integer ? null : TileDbTypes.Size(type) == 4 ? TileDbDatatype.Int32 : TileDbDatatype.Int64));
        TileDbFilterType[] others = [TileDbFilterType.ByteShuffle, TileDbFilterType.BitShuffle, TileDbFilterType.Gzip, TileDbFilterType.Zstd, TileDbFilterType.Lz4,
            TileDbFilterType.ChecksumMd5, TileDbFilterType.ChecksumSha256];
        for (int i = rng.Next(0, 3); i > 0; i--) filters.Add(new TileDbFilter(others[rng.Next(others.Length)], 1));
        return new TileDbFilterPipeline((uint)rng.Next(8, 2000), filters);
    }

    /// <summary>Naive model: one byte array per attribute over the whole domain, C order.</summary>
    private static long Index(Case c, long[] coords)
    {
        long index = 0;
        for (int d = 0; d < coords.Length; d++) index = index * c.Length[d] + (coords[d] - c.Low[d]);
        return index;
    }

    private static IEnumerable<long[]> Cells(IReadOnlyList<DimensionRange> ranges)
    {
        var k = new long[ranges.Count];
        while (true)
        {
            yield return ranges.Select((r, d) => r.Start + k[d] * r.Step).ToArray();
            int d2 = ranges.Count - 1;
            while (d2 >= 0 && ++k[d2] >= ranges[d2].Count) { k[d2] = 0; d2--; }
            if (d2 < 0) yield break;
        }
    }

    private static void CheckReads(Random rng, Case c, TileDbArray array, Dictionary<string, byte[]> model, int reads)
    {
        for (int r = 0; r < reads; r++)
        {
            var ranges = c.Low.Select((low, d) =>
            {
                long start = low + rng.Next((int)c.Length[d]);
                long step = rng.Next(1, 4);
                long maxCount = (low + c.Length[d] - 1 - start) / step + 1;
                return new DimensionRange(start, rng.Next(1, (int)maxCount + 1), step);
            }).ToArray();
            foreach (var a in c.Schema.Attributes)
            {
                var actual = new byte[ranges.Aggregate((long)a.CellSize, (x, y) => x * y.Count)];
                array.ReadDense(a.Name, ranges, actual);
                long i = 0;
                foreach (var cell in Cells(ranges))
                {
                    var expected = model[a.Name].AsSpan((int)(Index(c, cell) * a.CellSize), a.CellSize);
                    Assert.True(expected.SequenceEqual(actual.AsSpan((int)(i++ * a.CellSize), a.CellSize)),
                        $"attribute {a.Name} cell [{string.Join(",", cell)}] of read [{string.Join(" ", ranges)}] in {array.Path}");
                }
            }
        }
    }

    [Fact]
    public void RandomSchemasWritesAndReads_MatchTheModel_BeforeAndAfterConsolidation()
    {
        var rng = new Random(20261125);
        for (int trial = 0; trial < 30; trial++)
        {
            var c = RandomCase(rng);
            string path = Path.Combine(TestPaths.NewTempDirectory(), $"case{trial}");
            TileDbWriter.Create(path, c.Schema);
            var model = new Dictionary<string, byte[]>();
            long total = c.Length.Aggregate(1L, (x, y) => x * y);
            foreach (var a in c.Schema.Attributes)
            {
                model[a.Name] = new byte[total * a.CellSize];
                for (long i = 0; i < total; i++) a.FillValue.CopyTo(model[a.Name], i * a.CellSize);
            }
            int writes = rng.Next(1, 5);
            for (int w = 0; w < writes; w++)
            {
                var box = c.Low.Select((low, d) =>
                {
                    long start = low + rng.Next((int)c.Length[d]);
                    return new DimensionRange(start, rng.Next(1, (int)(low + c.Length[d] - start) + 1));
                }).ToArray();
                var data = new Dictionary<string, byte[]>();
                foreach (var a in c.Schema.Attributes)
                {
                    var bytes = new byte[box.Aggregate((long)a.CellSize, (x, y) => x * y.Count)];
                    rng.NextBytes(bytes);
                    data[a.Name] = bytes;
                    long i = 0;
                    foreach (var cell in Cells(box)) bytes.AsSpan((int)(i++ * a.CellSize), a.CellSize).CopyTo(model[a.Name].AsSpan((int)(Index(c, cell) * a.CellSize)));
                }
                TileDbWriter.WriteDense(path, box, data);
            }
            CheckReads(rng, c, TileDbArray.Open(path), model, 6);
            TileDbConsolidator.Consolidate(path);
            var consolidated = TileDbArray.Open(path);
            Assert.Equal(1, consolidated.FragmentCount);
            if (writes > 1) Assert.Single(Directory.GetDirectories(Path.Combine(path, "__fragments")));
            CheckReads(rng, c, consolidated, model, 6);
        }
    }
}
