using System.Runtime.InteropServices;
using Resif.Gpu.Storage;
using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// No TileDB library is available, so our writer is checked against a fragment real TileDB wrote: we write the same
/// schema and values as siftsmall-queries-v21 and compare the decoded schema, every decoded fragment-metadata tile
/// and the data file with the fixture's (schema name and timestamps aside).
/// </summary>
public class WriterFormatTests
{
    private static string Fixture => TestPaths.ConformanceFile("tiledb", "siftsmall-queries-v21");

    private static string Single(string folder, string pattern = "*") => Assert.Single(Directory.GetFiles(folder, pattern, SearchOption.AllDirectories));

    /// <summary>Decodes consecutive generic tiles up to the footer; returns their payloads and the footer bytes.</summary>
    private static (List<byte[]> Tiles, byte[] Footer) DecodeFragmentMetadata(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        long footerLength = BitConverter.ToInt64(bytes, bytes.Length - 8);
        long footerStart = bytes.Length - 8 - footerLength;
        var tiles = new List<byte[]>();
        for (long offset = 0; offset < footerStart;)
        {
            var (data, next, _) = GenericTile.Read(bytes, offset, file);
            tiles.Add(data);
            offset = next;
        }
        return (tiles, bytes[(int)footerStart..]);
    }

    [Fact]
    public void WritingTheSiftsmallFixtureAgain_GivesTheSameDecodedFiles()
    {
        var original = TileDbArray.Open(Fixture);
        var values = (float[])original.ReadDense("values").Values;
        string path = Path.Combine(TestPaths.NewTempDirectory(), "copy");
        TileDbWriter.Create(path, original.Schema);
        TileDbWriter.WriteDense(path, [DimensionRange.Inclusive(0, 127), DimensionRange.Inclusive(0, 99)],
            new Dictionary<string, byte[]> { ["values"] = MemoryMarshal.AsBytes(values.AsSpan()).ToArray() });

        // Schema: identical unfiltered bytes.
        byte[] SchemaBytes(string array) { string f = Single(Path.Combine(array, "__schema")); return GenericTile.Read(File.ReadAllBytes(f), 0, f).Data; }
        Assert.Equal(SchemaBytes(Fixture), SchemaBytes(path));

        // Data file: no filters, so identical bytes (including the zero padding of the partial edge tiles).
        Assert.Equal(File.ReadAllBytes(Single(Fixture, "a0.tdb")), File.ReadAllBytes(Single(path, "a0.tdb")));

        // Fragment metadata: same generic tiles; footer fields identical up to the offsets of the generic tiles, which
        // depend on compressed sizes (our deflate output differs from zlib's) — and the random schema names aside.
        var expected = DecodeFragmentMetadata(Single(Fixture, "__fragment_metadata.tdb"));
        var actual = DecodeFragmentMetadata(Single(path, "__fragment_metadata.tdb"));
        Assert.Equal(expected.Tiles.Count, actual.Tiles.Count);
        for (int i = 0; i < expected.Tiles.Count; i++) Assert.True(expected.Tiles[i].AsSpan().SequenceEqual(actual.Tiles[i]), $"metadata tile {i} differs");
        string expectedName = Path.GetFileName(Single(Path.Combine(Fixture, "__schema")));
        string actualName = Path.GetFileName(Single(Path.Combine(path, "__schema")));
        Assert.Equal(expectedName.Length, actualName.Length);
        Assert.Equal(expected.Footer.Length, actual.Footer.Length);
        const int fieldsBeforeOffsets = 1 + 1 + 16 + 8 + 8 + 1 + 1 + 3 * 4 * 8; // dense, null domain, domain, sparse counts, flags, file sizes
        Assert.Equal(expected.Footer.AsSpan(12 + expectedName.Length, fieldsBeforeOffsets).ToArray(), actual.Footer.AsSpan(12 + actualName.Length, fieldsBeforeOffsets).ToArray());
        Assert.Equal(expected.Footer.AsSpan(0, 4).ToArray(), actual.Footer.AsSpan(0, 4).ToArray()); // format version

        // Commit marker: an empty .wrt named like the fragment folder.
        string commit = Single(Path.Combine(path, "__commits"));
        Assert.Equal(0, new FileInfo(commit).Length);
        Assert.Equal(Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(path, "__fragments")))) + ".wrt", Path.GetFileName(commit));
    }

    [Fact]
    public void LaterFragmentsOverrideEarlierOnes()
    {
        var schema = new TileDbSchema(0, TileDbArrayType.Dense, TileDbLayout.ColMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty,
            [new TileDbDimension("y", TileDbDatatype.Int32, -3, 10, 4, TileDbFilterPipeline.Empty), new TileDbDimension("x", TileDbDatatype.UInt16, 2, 20, 5, TileDbFilterPipeline.Empty)],
            [new TileDbAttribute("v", TileDbDatatype.Int16, 1, TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Lz4)), BitConverter.GetBytes((short)-1))]);
        string path = Path.Combine(TestPaths.NewTempDirectory(), "a");
        TileDbWriter.Create(path, schema);
        var expected = new short[14, 19];
        for (int i = 0; i < 14; i++) for (int j = 0; j < 19; j++) expected[i, j] = -1;
        var rng = new Random(7);
        for (int write = 1; write <= 6; write++)
        {
            int y0 = rng.Next(-3, 11), y1 = rng.Next(y0, 11), x0 = rng.Next(2, 21), x1 = rng.Next(x0, 21);
            var cells = new short[(y1 - y0 + 1) * (x1 - x0 + 1)];
            for (int k = 0; k < cells.Length; k++) cells[k] = (short)(write * 1000 + k);
            TileDbWriter.WriteDense(path, [DimensionRange.Inclusive(y0, y1), DimensionRange.Inclusive(x0, x1)],
                new Dictionary<string, byte[]> { ["v"] = MemoryMarshal.AsBytes(cells.AsSpan()).ToArray() });
            for (int y = y0, k = 0; y <= y1; y++) for (int x = x0; x <= x1; x++) expected[y + 3, x - 2] = cells[k++];
        }
        var read = (short[])TileDbArray.Open(path).ReadDense("v").Values;
        Assert.Equal(expected.Cast<short>(), read);
    }
}
