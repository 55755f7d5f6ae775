using System.Text;
using Resif.Gpu.Storage;
using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>Which fragments and metadata files are in view: vacuum, ignore and consolidated files, built by hand after the spec.</summary>
public class DirectoryTests
{
    private static string CopyFixture(string name)
    {
        string source = TestPaths.ConformanceFile("tiledb", name);
        string target = Path.Combine(TestPaths.NewTempDirectory(), name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return target;
    }

    [Fact]
    public void VacuumFileHidesTheFragmentsItLists()
    {
        string path = CopyFixture("siftsmall-queries-v21");
        string fragment = Path.GetFileName(Directory.GetDirectories(Path.Combine(path, "__fragments")).Single());
        File.WriteAllText(Path.Combine(path, "__commits", "__1706917580000_1706917580000_00000000000000000000000000000001_21.vac"), $"__fragments/{fragment}\n");
        var array = TileDbArray.Open(path);
        Assert.Equal(0, array.FragmentCount);
        Assert.All((float[])array.ReadDense("values", [new DimensionRange(0, 2), new DimensionRange(0, 2)]).Values, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void IgnoreFileDropsAConsolidatedCommitsFile()
    {
        string path = CopyFixture("bc0010-flat-float32-parts-v21");
        string con = Path.GetFileName(Directory.GetFiles(Path.Combine(path, "__commits"), "*.con").Single());
        Assert.Equal(1, TileDbArray.Open(path).FragmentCount);
        File.WriteAllText(Path.Combine(path, "__commits", "__1707752073700_1707752073700_00000000000000000000000000000002_21.ign"), $"__commits/{con}\n");
        Assert.Equal(0, TileDbArray.Open(path).FragmentCount);
    }

    /// <summary>A metadata file as metadata.md lays it out: key length, key, deletion flag, then type, count and value bytes.</summary>
    private static void WriteMetadataFile(string array, string name, params (string Key, TileDbDatatype? Type, byte[] Value, uint Count)[] entries)
    {
        var bytes = new List<byte>();
        foreach (var (key, type, value, count) in entries)
        {
            bytes.AddRange(BitConverter.GetBytes((uint)key.Length));
            bytes.AddRange(Encoding.ASCII.GetBytes(key));
            bytes.Add(type is null ? (byte)1 : (byte)0);
            if (type is null) continue;
            bytes.Add((byte)type);
            bytes.AddRange(BitConverter.GetBytes(count));
            bytes.AddRange(value);
        }
        Directory.CreateDirectory(Path.Combine(array, "__meta"));
        File.WriteAllBytes(Path.Combine(array, "__meta", name), GenericTile.Write(bytes.ToArray()));
    }

    [Fact]
    public void MetadataFilesApplyInTimestampOrder_DeletionsRemoveKeys_ConsolidatedFilesSupersede()
    {
        string path = CopyFixture("soma-uint64-int64-10cells-v10");
        byte[] Int(int v) => BitConverter.GetBytes(v);
        WriteMetadataFile(path, "__10_10_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ("a", TileDbDatatype.Int32, Int(1), 1), ("b", TileDbDatatype.Int32, Int(2), 1));
        WriteMetadataFile(path, "__20_20_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", ("a", TileDbDatatype.Int32, Int(3), 1), ("b", null, [], 0));
        var meta = TileDbArray.Open(path).Metadata;
        Assert.Equal([3], meta["a"].As<int>());
        Assert.False(meta.ContainsKey("b"));

        // A consolidated file covering [10, 20] replaces both, whatever they say.
        WriteMetadataFile(path, "__10_20_cccccccccccccccccccccccccccccccc", ("c", TileDbDatatype.StringAscii, Encoding.ASCII.GetBytes("xyz"), 3));
        meta = TileDbArray.Open(path).Metadata;
        Assert.Equal(["c"], meta.Keys);
        Assert.Equal("xyz", meta["c"].AsString());

        // A later file still applies on top; a .vac file hides what it lists.
        WriteMetadataFile(path, "__30_30_dddddddddddddddddddddddddddddddd", ("c", null, [], 0), ("d", TileDbDatatype.Float64, BitConverter.GetBytes(2.5), 1));
        File.WriteAllText(Path.Combine(path, "__meta", "__40_40_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.vac"), "__meta/__30_30_dddddddddddddddddddddddddddddddd\n");
        Assert.Equal(["c"], TileDbArray.Open(path).Metadata.Keys);
        File.Delete(Path.Combine(path, "__meta", "__40_40_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.vac"));
        meta = TileDbArray.Open(path).Metadata;
        Assert.Equal(["d"], meta.Keys);
        Assert.Equal([2.5], meta["d"].As<double>());
    }
}
