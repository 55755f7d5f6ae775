using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Damaged files must be refused with a clear error (DataCorruptionException or NotSupportedException naming the
/// file), never crash with an index error and never return numbers silently different from what was written.
/// </summary>
public class DamageTests
{
    private static bool IsClearRefusal(Exception e) => e is DataCorruptionException or NotSupportedException;

    private static (string Path, float[] Values) WriteArray(bool checksum)
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "a");
        var filters = checksum
            ? TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, 3), new TileDbFilter(TileDbFilterType.ChecksumSha256))
            : TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, 3));
        var schema = new TileDbSchema(0, TileDbArrayType.Dense, TileDbLayout.RowMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty, TileDbFilterPipeline.Empty,
            [new TileDbDimension("r", TileDbDatatype.Int64, 0, 15, 8, TileDbFilterPipeline.Empty), new TileDbDimension("c", TileDbDatatype.Int64, 0, 999, 256, TileDbFilterPipeline.Empty)],
            [new TileDbAttribute("v", TileDbDatatype.Float32, 1, filters, BitConverter.GetBytes(float.NaN))]);
        TileDbWriter.Create(path, schema);
        var values = Enumerable.Range(0, 16 * 1000).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        TileDbWriter.WriteDense(path, [new DimensionRange(0, 16), new DimensionRange(0, 1000)],
            new Dictionary<string, byte[]> { ["v"] = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray() });
        return (path, values);
    }

    private static float[] ReadAll(string path) => (float[])TileDbArray.Open(path).ReadDense("v").Values;

    [Fact]
    public void FlippedBytesInAChecksummedDataFile_AreDetectedEveryTime()
    {
        var (path, values) = WriteArray(checksum: true);
        string file = Directory.GetFiles(path, "a0.tdb", SearchOption.AllDirectories).Single();
        byte[] original = File.ReadAllBytes(file);
        var rng = new Random(11);
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] damaged = (byte[])original.Clone();
            damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(file, damaged);
            var e = Record.Exception(() => ReadAll(path));
            // A flipped bit may also land in a field we do not need (e.g. a zstd frame checksum flag): then values must be intact.
            if (e is null) Assert.Equal(values, ReadAll(path));
            else Assert.True(IsClearRefusal(e), $"trial {trial}: {e}");
        }
    }

    [Fact]
    public void TruncatedOrFlippedMetadataFiles_AreRefusedClearly()
    {
        var (path, values) = WriteArray(checksum: false);
        var files = Directory.GetFiles(path, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length > 0).ToArray();
        var rng = new Random(12);
        var silent = new List<string>();
        foreach (string file in files)
        {
            byte[] original = File.ReadAllBytes(file);
            for (int trial = 0; trial < 25; trial++)
            {
                byte[] damaged = trial % 2 == 0 ? original[..rng.Next(original.Length)] : (byte[])original.Clone();
                if (trial % 2 == 1) damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8));
                File.WriteAllBytes(file, damaged);
                float[]? read = null;
                var e = Record.Exception(() => read = ReadAll(path));
                if (e is not null) Assert.True(IsClearRefusal(e), $"{Path.GetFileName(file)} trial {trial}: {e}");
                // Data tiles without a checksum filter cannot reveal a flipped bit (zstd frames carry no checksum in
                // TileDB): that is what the checksum test above covers. Every other file must never mislead silently.
                else if (!read!.SequenceEqual(values) && Path.GetFileName(file) != "a0.tdb") silent.Add($"{Path.GetFileName(file)} trial {trial} ({(trial % 2 == 0 ? "truncated" : "flipped")})");
            }
            File.WriteAllBytes(file, original);
        }
        Assert.Equal(values, ReadAll(path));
        Assert.Empty(silent);
    }

    [Fact]
    public void AFlippedBitInTheFragmentMetadataFooterIsRefusedByItsChecksum()
    {
        var (path, values) = WriteArray(checksum: true);
        string file = Directory.GetFiles(path, "__fragment_metadata.tdb", SearchOption.AllDirectories).Single();
        byte[] original = File.ReadAllBytes(file);
        // The footer ends with its own length (u64); the non-empty domain sits inside it. The format gives it no
        // checksum: a flipped bit in the time range read wrong numbers before the sidecar existed.
        long footer = BitConverter.ToInt64(original, original.Length - 8);
        var rng = new Random(13);
        for (int trial = 0; trial < 20; trial++)
        {
            byte[] damaged = (byte[])original.Clone();
            damaged[original.Length - 8 - 1 - rng.Next((int)footer)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(file, damaged);
            var e = Assert.Throws<DataCorruptionException>(() => ReadAll(path));
            Assert.Contains("__fragment_metadata.tdb", e.Message);
        }
        File.WriteAllBytes(file, original);
        Assert.Equal(values, ReadAll(path));
    }

    [Fact]
    public void FragmentsWithoutTheChecksumSidecarStillRead_AsTileDbWritesThem()
    {
        var (path, values) = WriteArray(checksum: false);
        File.Delete(Directory.GetFiles(path, Internal.FragmentMetadata.ChecksumFileName, SearchOption.AllDirectories).Single());
        Assert.Equal(values, ReadAll(path));
    }
}
