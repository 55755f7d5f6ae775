using System.Buffers.Binary;
using Resif.Gpu.Core;
using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Format version 23 (TileDB 2.30). No array written by TileDB at v23 exists here, so these tests build one from the
/// real v22 fixture <c>bc0100-flat-float32-vectors-v22</c> by applying exactly the v22 -> v23 differences that
/// TileDB's format spec states (format_spec/array_format_history.md "Version 23"; fragment.md "Footer" and
/// "Optional section"; cross-checked against tiledb/sm/fragment/fragment_metadata.cc, which guards the footer's
/// optional sections by <c>fragment_metadata_optional_section_version = 23</c> in tiledb/sm/misc/constants.cc).
/// THIS IS A SPEC-DERIVED v23 ARRAY, NOT ONE WRITTEN BY TileDB: it proves we follow our reading of the spec, not
/// that TileDB 2.30 wrote what we think. Values are checked against the fixture's independent reference
/// (<c>_expected/siftmicro_base.fvecs</c>), never against our own output.
/// </summary>
public class SpecDerivedV23Tests
{
    private const string SourceFixture = "bc0100-flat-float32-vectors-v22";

    /// <summary>
    /// What TileDB 2.30 writes for a dense fragment: zero optional sections (it records tile global-order bounds
    /// only for sparse arrays, tiledb/sm/query/writers/writer_base.cc).
    /// </summary>
    private static readonly byte[] NoOptionalSections = [0, 0, 0, 0];

    [Fact]
    public void SpecDerivedV23_ReadsTheV22FixtureValues()
    {
        string dir = BuildFromV22(23, NoOptionalSections);
        try
        {
            var array = TileDbArray.Open(dir);
            Assert.Equal(23u, array.Schema.Version);
            AssertFixtureValues(array);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SpecDerivedV23_SkipsOptionalSections()
    {
        // A well-sized tile global order section (identifier 0: one min and one max offset per dimension, 2 dims)
        // and a section with an identifier the spec does not define, which readers must ignore.
        var sections = new List<byte>();
        sections.AddRange(U32(2));
        sections.AddRange(Section(0, new byte[2 * 2 * 8]));
        sections.AddRange(Section(0xBEEF, [1, 2, 3]));
        string dir = BuildFromV22(23, [.. sections]);
        try { AssertFixtureValues(TileDbArray.Open(dir)); }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SpecDerivedV23_WrongSizedGlobalOrderSectionIsCorruption()
    {
        // Only one offset for two dimensions: TileDB refuses such a footer, and so do we.
        string dir = BuildFromV22(23, [.. U32(1), .. Section(0, new byte[8])]);
        try
        {
            var e = Assert.Throws<DataCorruptionException>(() => ReadCorner(dir));
            Assert.Contains("tile global order", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SpecDerivedV23_TruncatedOptionalSectionIsCorruption()
    {
        // The section claims 64 bytes of data but the footer ends after 3.
        string dir = BuildFromV22(23, [.. U32(1), .. U64(7), .. U32(64), 1, 2, 3]);
        try
        {
            var e = Assert.Throws<DataCorruptionException>(() => ReadCorner(dir));
            Assert.Contains("past end", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SpecDerivedV23_FooterWithoutSectionCountIsCorruption()
    {
        // A v22 footer relabelled 23: the u32 "Number of optional sections" the spec requires from v23 is missing.
        string dir = BuildFromV22(23, []);
        try { Assert.Throws<DataCorruptionException>(() => ReadCorner(dir)); }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Version24IsRefusedNamingTheVersion()
    {
        string dir = BuildFromV22(24, NoOptionalSections);
        try
        {
            var e = Assert.Throws<NotSupportedException>(() => TileDbArray.Open(dir));
            Assert.Contains("format version 24", e.Message);
            Assert.Contains("newer", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static TileDbData ReadCorner(string dir) =>
        TileDbArray.Open(dir).ReadDense("values", [DimensionRange.Inclusive(0, 1), DimensionRange.Inclusive(0, 1)]);

    private static void AssertFixtureValues(TileDbArray array)
    {
        Assert.Equal(1, array.FragmentCount);
        var data = array.ReadDense("values", [DimensionRange.Inclusive(0, 127), DimensionRange.Inclusive(0, 99)]);
        ConformanceTests.AssertMatrixMatchesVectors(data, ConformanceTests.ReadFvecs("siftmicro_base.fvecs"), 100);
        Assert.Equal(341328.0, ((float[])data.Values).Sum(v => (double)v)); // the fixture README's sum
    }

    /// <summary>
    /// Copies the v22 fixture and turns it into a <paramref name="version"/> array: every change below is one the spec
    /// names for v23 or that follows from a v23 writer (version fields); everything else (data tiles, tile offsets,
    /// R-tree, tile metadata) is byte-for-byte TileDB's.
    /// <paramref name="optionalSections"/> is the footer's v23 tail: the u32 section count and the sections.
    /// </summary>
    private static string BuildFromV22(uint version, byte[] optionalSections)
    {
        string dir = TestPaths.NewTempDirectory("resif-v23");
        CopyTree(TestPaths.ConformanceFile("tiledb", SourceFixture), dir);

        // array_schema.md "Array Schema File": the schema starts with its u32 format version; it is stored as a
        // generic tile (generic_tile.md) whose header also starts with the u32 format version of the writer.
        // Schema file names carry no version (timestamped_name.md), so the file keeps its name.
        foreach (string file in Directory.GetFiles(Path.Combine(dir, "__schema")))
        {
            byte[] bytes = File.ReadAllBytes(file);
            var (schema, next, tileVersion) = GenericTile.Read(bytes, 0, file);
            Assert.Equal(bytes.Length, next);
            Assert.Equal(22u, tileVersion);
            Assert.Equal(22u, BinaryPrimitives.ReadUInt32LittleEndian(schema));
            BinaryPrimitives.WriteUInt32LittleEndian(schema, version);
            byte[] rewritten = GenericTile.Write(schema);
            BinaryPrimitives.WriteUInt32LittleEndian(rewritten, version);
            File.WriteAllBytes(file, rewritten);
        }

        // timestamped_name.md: fragment folders are named __t1_t2_uuid_v with v the format version.
        string fragments = Path.Combine(dir, "__fragments");
        string oldFragment = Path.GetFileName(Assert.Single(Directory.GetDirectories(fragments)));
        Assert.EndsWith("_22", oldFragment);
        string newFragment = oldFragment[..^2] + version;
        Directory.Move(Path.Combine(fragments, oldFragment), Path.Combine(fragments, newFragment));

        // fragment.md "Footer": the footer starts with the u32 version; from v23 "Number of optional sections" (u32)
        // and the sections follow the processed-conditions offset, and "Footer length" (the last u64) counts them.
        string metadataFile = Path.Combine(fragments, newFragment, "__fragment_metadata.tdb");
        byte[] metadata = File.ReadAllBytes(metadataFile);
        long footerLength = BinaryPrimitives.ReadInt64LittleEndian(metadata.AsSpan(metadata.Length - 8));
        int footerStart = (int)(metadata.Length - 8 - footerLength);
        Assert.Equal(22u, BinaryPrimitives.ReadUInt32LittleEndian(metadata.AsSpan(footerStart)));
        BinaryPrimitives.WriteUInt32LittleEndian(metadata.AsSpan(footerStart), version);
        // generic_tile.md: every generic tile header starts with the writer's format version (TileDB fills it from
        // constants::format_version), so the R-tree, tile offsets and tile metadata tiles say 23 too. A v16+ footer
        // ends with their offsets: the R-tree, 8 lists of one per field, fragment min/max/sum/null count, processed
        // conditions. Fields here: attribute 'values', the legacy coordinates slot, dimensions rows and cols.
        const int fields = 4, genericTiles = 1 + 8 * fields + 2;
        var offsets = metadata.AsSpan(metadata.Length - 8 - 8 * genericTiles, 8 * genericTiles);
        for (int i = 0; i < genericTiles; i++)
        {
            var header = metadata.AsSpan((int)BinaryPrimitives.ReadInt64LittleEndian(offsets[(8 * i)..]));
            Assert.Equal(22u, BinaryPrimitives.ReadUInt32LittleEndian(header));
            BinaryPrimitives.WriteUInt32LittleEndian(header, version);
        }
        File.WriteAllBytes(metadataFile, [.. metadata.AsSpan(0, metadata.Length - 8), .. optionalSections, .. U64((ulong)(footerLength + optionalSections.Length))]);

        // array_file_hierarchy.md / consolidated_commits_file.md: the .con file is named with the writer's version
        // and lists __commits/<fragment name>.wrt, one per line.
        string commits = Path.Combine(dir, "__commits");
        string con = Assert.Single(Directory.GetFiles(commits, "*.con"));
        string text = File.ReadAllText(con);
        Assert.Equal($"__commits/{oldFragment}.wrt\n", text);
        File.WriteAllText(con, $"__commits/{newFragment}.wrt\n");
        Assert.EndsWith("_22.con", con);
        File.Move(con, con[..^"22.con".Length] + version + ".con");
        return dir;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string sub in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, sub)));
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>fragment.md "Optional section": u64 identifier, u32 data size, data.</summary>
    private static byte[] Section(ulong identifier, byte[] data) => [.. U64(identifier), .. U32((uint)data.Length), .. data];

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
