using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

public class ArrayStoreTests
{
    private static readonly ArrayCoordinates Coords = new(0.002, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), 100, 2.04, "strain_rate", "m");

    private static float[] RandomBlock(Random rng, long channels, long samples) =>
        Enumerable.Range(0, (int)(channels * samples)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    [Fact]
    public void RoundTrip_SeveralFragments_RandomSubarraysBitExact()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        var rng = new Random(1234);
        const long channels = 70; // not a multiple of the 32-channel tile extent: partial edge tiles
        store.Create("fibre-a", channels, 0, Coords, new Dictionary<string, string> { ["station"] = "FR.ABC" });
        var reference = new List<float[]>(); // per channel
        for (int c = 0; c < channels; c++) reference.Add([]);
        foreach (long samples in (long[])[5000, 9000, 1, 3000])
        {
            var block = RandomBlock(rng, channels, samples);
            store.AppendTimeBlock("fibre-a", block, channels, samples);
            for (int c = 0; c < channels; c++) reference[c] = [.. reference[c], .. block.AsSpan((int)(c * samples), (int)samples)];
        }
        long total = reference[0].Length;
        using var source = store.Open("fibre-a");
        Assert.Equal([channels, total], source.Info.Layout.Shape);
        for (int trial = 0; trial < 40; trial++)
        {
            long step = rng.Next(1, 4);
            long c0 = rng.Next(0, (int)channels);
            long cn = rng.Next(1, (int)((channels - 1 - c0) / step) + 2);
            long t0 = rng.Next(0, (int)total);
            long tn = rng.Next(1, (int)(total - t0) + 1);
            var dest = new float[cn * tn];
            source.Read(c0, cn, step, t0, tn, dest);
            for (long i = 0; i < cn; i++)
                Assert.True(reference[(int)(c0 + i * step)].AsSpan((int)t0, (int)tn).SequenceEqual(dest.AsSpan((int)(i * tn), (int)tn)),
                    $"trial {trial}: channel {c0 + i * step} differs");
        }
    }

    [Fact]
    public void Describe_GivesCoordinatesUnitsAndMetadata()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("das", 4, 1000, Coords, new Dictionary<string, string> { ["network"] = "FR" });
        var info = store.Describe("das");
        Assert.Equal(["channel", "time"], info.Layout.Dims);
        Assert.Equal([4L, 1000], info.Layout.Shape);
        var channel = info.Layout.Coord("channel");
        Assert.Equal(("m", 100.0, 2.04), (channel.Units, channel.Start, channel.Step));
        var time = info.Layout.Coord("time");
        Assert.Equal(("s", 0.0, 0.002, Coords.TimeOrigin), (time.Units, time.Start, time.Step, time.Origin!.Value));
        Assert.Equal("strain_rate", info.Layout.Units);
        Assert.Equal("FR", info.Metadata["network"]);
        Assert.Equal(["das"], store.List());
        // Declared but unwritten samples read as the fill value (NaN).
        using var source = store.Open("das");
        var dest = new float[8];
        source.Read(0, 4, 1, 998, 2, dest);
        Assert.All(dest, v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a..b")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("space name")]
    public void InvalidNames_AreRefused(string name)
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        var e = Assert.Throws<InvalidRequestException>(() => store.Create(name, 1, 0, Coords));
        Assert.Equal("name", e.Field);
        Assert.Throws<ArrayNotFoundException>(() => store.Describe(name));
        Assert.Throws<ArrayNotFoundException>(() => store.Open(name));
    }

    [Fact]
    public void LongestValidName_Works_AndOneMoreIsRefused()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        string name = "A" + new string('b', 127);
        store.Create(name, 1, 0, Coords);
        Assert.Equal(name, store.Describe(name).Name);
        Assert.Throws<InvalidRequestException>(() => store.Create(name + "c", 1, 0, Coords));
    }

    [Fact]
    public void ASampleCountBeyondTheTimeDomain_IsCorruption_NotAShape()
    {
        // Found by the reliability fuzzer: damaged array metadata declared 7.2e16 samples and the array opened with them.
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("a", 3, 100, Coords);
        string path = store.PathOf("a");
        var entries = TileDbArray.Open(path).Metadata.ToDictionary();
        entries["samples"] = new TileDbMetadataValue(TileDbDatatype.Int64, 1, BitConverter.GetBytes(ArrayStore.TimeDomainLength + 1));
        Directory.Delete(Path.Combine(path, "__meta"), recursive: true);
        TileDbWriter.WriteMetadata(path, entries);

        Assert.Contains("'samples'", Assert.Throws<DataCorruptionException>(() => store.Open("a")).Message);
        Assert.Throws<DataCorruptionException>(() => store.Describe("a"));
    }

    [Fact]
    public void MissingArray_IsNotFound()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        Assert.Empty(store.List());
        Assert.Equal("nope", Assert.Throws<ArrayNotFoundException>(() => store.Describe("nope")).ArrayName);
        Assert.Throws<ArrayNotFoundException>(() => store.Open("nope"));
        Assert.Throws<ArrayNotFoundException>(() => store.AppendTimeBlock("nope", [1f], 1, 1));
    }

    [Fact]
    public void BadRequests_NameTheField()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("x", 3, 0, Coords);
        Assert.Equal("channels", Assert.Throws<InvalidRequestException>(() => store.AppendTimeBlock("x", new float[4], 2, 2)).Field);
        Assert.Equal("data", Assert.Throws<InvalidRequestException>(() => store.AppendTimeBlock("x", new float[5], 3, 2)).Field);
        Assert.Equal("coords.time_step", Assert.Throws<InvalidRequestException>(() => store.Create("y", 1, 0, Coords with { TimeStep = 0 })).Field);
        Assert.Equal("metadata.dt", Assert.Throws<InvalidRequestException>(() => store.Create("z", 1, 0, Coords, new Dictionary<string, string> { ["dt"] = "1" })).Field);
        Assert.Equal("name", Assert.Throws<InvalidRequestException>(() => store.Create("x", 1, 0, Coords)).Field);
        store.AppendTimeBlock("x", new float[6], 3, 2);
        using var source = store.Open("x");
        Assert.Equal("selection.time", Assert.Throws<InvalidRequestException>(() => source.Read(0, 3, 1, 1, 2, new float[6])).Field);
        Assert.Equal("selection.channels", Assert.Throws<InvalidRequestException>(() => source.Read(1, 2, 2, 0, 2, new float[4])).Field);
    }

    [Fact]
    public void UncommittedFragment_IsInvisible_AndOpenSourceKeepsItsSnapshot()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("live", 2, 0, Coords);
        store.AppendTimeBlock("live", [1, 2, 3, 4], 2, 2);
        using var before = store.Open("live");
        store.AppendTimeBlock("live", [5, 6, 7, 8], 2, 2);
        Assert.Equal([2L, 2], before.Info.Layout.Shape);
        // Simulate a writer killed before its commit marker: remove the newest .wrt file.
        string commits = Path.Combine(store.PathOf("live"), "__commits");
        File.Delete(Directory.GetFiles(commits, "*.wrt").OrderBy(f => f, StringComparer.Ordinal).Last());
        Assert.Equal([2L, 2], store.Describe("live").Layout.Shape);
        using var after = store.Open("live");
        var dest = new float[4];
        after.Read(0, 2, 1, 0, 2, dest);
        Assert.Equal([1f, 2, 3, 4], dest);
    }

    [Fact]
    public void Consolidate_KeepsValues_AndAppendsContinueAfterwards()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        var rng = new Random(3);
        store.Create("c", 33, 0, Coords);
        var blocks = Enumerable.Range(0, 5).Select(_ => RandomBlock(rng, 33, 700)).ToList();
        foreach (var block in blocks) store.AppendTimeBlock("c", block, 33, 700);
        store.Consolidate("c");
        Assert.Single(Directory.GetDirectories(Path.Combine(store.PathOf("c"), "__fragments")));
        var extra = RandomBlock(rng, 33, 10);
        store.AppendTimeBlock("c", extra, 33, 10);
        blocks.Add(extra);
        using var source = store.Open("c");
        Assert.Equal([33L, 3510], source.Info.Layout.Shape);
        var all = new float[33 * 3510];
        source.Read(0, 33, 1, 0, 3510, all);
        long t = 0;
        foreach (var block in blocks)
        {
            long n = block.Length / 33;
            for (int ch = 0; ch < 33; ch++)
                Assert.True(block.AsSpan((int)(ch * n), (int)n).SequenceEqual(all.AsSpan((int)(ch * 3510 + t), (int)n)));
            t += n;
        }
    }
}
