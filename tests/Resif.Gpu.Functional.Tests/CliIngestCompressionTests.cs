using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// `resif-gpu ingest --zstd-level` / `--filters`: the level or pipeline chosen is the new array's, and it changes the bytes on
/// disk, not the data.
/// </summary>
public sealed class CliIngestCompressionTests : IDisposable
{
    private readonly string _store = TestPaths.NewTempDirectory("resif-cli-ingest-level");

    public void Dispose() => Directory.Delete(_store, recursive: true);

    private static readonly string File = TestPaths.ConformanceFile("das-formats", "prodml_2.0.h5");

    [Fact]
    public async Task The_level_is_the_arrays_and_the_data_read_back_is_the_same()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "fast")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "small", "--zstd-level", "9")).ExitCode);
        var store = new ArrayStore(_store);

        Assert.Equal(Cli.Internal.IngestCommand.DefaultZstdLevel, ZstdLevel(store, "fast"));
        Assert.Equal(9, ZstdLevel(store, "small"));
        // Lossless either way: bit-identical samples.
        Assert.Equal(ArrayReading.ReadAll(store, "fast"), ArrayReading.ReadAll(store, "small"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("23")]
    public async Task A_level_outside_zstds_range_is_refused_and_nothing_is_created(string level)
    {
        var run = await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "a", "--zstd-level", level);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("zstd", run.Error + run.Out, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("a", new ArrayStore(_store).List());
    }

    [Theory]
    [InlineData("none", new TileDbFilterType[0])]
    [InlineData("sha256", new[] { TileDbFilterType.ChecksumSha256 })]
    [InlineData("lz4+sha256", new[] { TileDbFilterType.Lz4, TileDbFilterType.ChecksumSha256 })]
    [InlineData("shuffle+zstd:3+md5", new[] { TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd, TileDbFilterType.ChecksumMd5 })]
    public async Task A_filter_pipeline_is_the_arrays_in_order_and_the_data_read_back_is_the_same(string spec, TileDbFilterType[] expected)
    {
        Assert.Equal(0, (await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "reference")).ExitCode);
        var run = await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "chosen", "--filters", spec);
        Assert.True(run.ExitCode == 0, run.Error);
        var store = new ArrayStore(_store);

        Assert.Equal(expected, TileDbArray.Open(store.PathOf("chosen")).Schema.Attributes[0].Filters.Filters.Select(f => f.Type));
        Assert.Equal(ArrayReading.ReadAll(store, "reference"), ArrayReading.ReadAll(store, "chosen"));
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("zstd:23+sha256", "zstd level")]
    [InlineData("lz4++sha256", "unknown filter")]
    public async Task An_unknown_filter_or_level_is_refused_naming_it_and_nothing_is_created(string spec, string named)
    {
        var run = await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "a", "--filters", spec);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("filters", run.Error + run.Out);
        Assert.Contains(named, run.Error + run.Out);
        Assert.DoesNotContain("a", new ArrayStore(_store).List());
    }

    [Fact]
    public async Task Level_and_filters_together_are_refused()
    {
        var run = await CliRunner.RunAsync("ingest", File, "--store", _store, "--name", "a", "--zstd-level", "3", "--filters", "lz4");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--filters", run.Error + run.Out);
        Assert.DoesNotContain("a", new ArrayStore(_store).List());
    }

    private static int ZstdLevel(ArrayStore store, string name) =>
        TileDbArray.Open(store.PathOf(name)).Schema.Attributes[0].Filters.Filters.Single(f => f.Type == TileDbFilterType.Zstd).Level;

}
