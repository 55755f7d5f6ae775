using System.Globalization;
using System.Text.Json;
using PureHDF;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>`resif-gpu ingest` of vendor files: reference files against expected_metadata.json, and multi-file joining.</summary>
public sealed class CliIngestTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-cli-ingest");
    private readonly string _store;

    public CliIngestTests()
    {
        _store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(_store);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly JsonElement Expected =
        JsonDocument.Parse(File.ReadAllText(TestPaths.ConformanceFile("das-formats", "expected_metadata.json"))).RootElement;

    private static DateTimeOffset FromUnixMicroseconds(double us) => DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(us * 10));

    /// <summary>
    /// Per reference file, what expected_metadata.json (or, where it lists no number, the folder's README table) says:
    /// channels, samples, first sample time, sample interval, and where stated the distance start/step and units.
    /// </summary>
    private sealed record Reference(string File, long Channels, long Samples, DateTimeOffset? Start, double? Step,
        double? DistanceStart = null, double? DistanceStep = null, string? Units = null, double DistanceStepTolerance = 1e-6);

    private static JsonElement E(string file) => Expected.GetProperty(file);

    private static long[] Shape(string file) => E(file).GetProperty("data").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    public static TheoryData<string> ReferenceFiles() => new(References().Keys);

    private static Dictionary<string, Reference> References()
    {
        static double N(string file, string key) => E(file).GetProperty(key) is { ValueKind: JsonValueKind.Array } a ? a[0].GetDouble() : E(file).GetProperty(key).GetDouble();
        static double S(string file, string key) => double.Parse(E(file).GetProperty(key).GetString()!, CultureInfo.InvariantCulture);
        var list = new List<Reference>
        {
            // [time, locus] files with times in µs.
            new("prodml_2.0.h5", Shape("prodml_2.0.h5")[1], Shape("prodml_2.0.h5")[0], FromUnixMicroseconds(N("prodml_2.0.h5", "time_first_us")),
                N("prodml_2.0.h5", "time_step_us") * 1e-6, N("prodml_2.0.h5", "StartLocusIndex") * N("prodml_2.0.h5", "SpatialSamplingInterval"),
                N("prodml_2.0.h5", "SpatialSamplingInterval"), E("prodml_2.0.h5").GetProperty("RawDataUnit").GetString()),
            new("iDAS005_hdf5_example.626.h5", Shape("iDAS005_hdf5_example.626.h5")[1], Shape("iDAS005_hdf5_example.626.h5")[0],
                FromUnixMicroseconds(N("iDAS005_hdf5_example.626.h5", "time_first_us")), N("iDAS005_hdf5_example.626.h5", "time_step_us") * 1e-6,
                N("iDAS005_hdf5_example.626.h5", "StartLocusIndex") * N("iDAS005_hdf5_example.626.h5", "SpatialSamplingInterval"),
                N("iDAS005_hdf5_example.626.h5", "SpatialSamplingInterval")),
            // Same acquisition as the PRODML 2.1 file (README): same start time, 1000 Hz.
            new("iDAS005_tdms_example.626.tdms", (long)N("iDAS005_tdms_example.626.tdms", "channels"), (long)N("iDAS005_tdms_example.626.tdms", "samples"),
                FromUnixMicroseconds(N("iDAS005_hdf5_example.626.h5", "time_first_us")), 1e-3),
            new("sample_tdms_file_v4713.tdms", (long)N("sample_tdms_file_v4713.tdms", "channels"), (long)N("sample_tdms_file_v4713.tdms", "samples_present"), null, 1 / 500.0),
            new("silixa_h5_1.hdf5", Shape("silixa_h5_1.hdf5")[1], Shape("silixa_h5_1.hdf5")[0],
                DateTimeOffset.Parse(E("silixa_h5_1.hdf5").GetProperty("ISO8601 Timestamp").GetString()!, CultureInfo.InvariantCulture),
                1 / S("silixa_h5_1.hdf5", "SamplingFrequency[Hz]"), null, S("silixa_h5_1.hdf5", "SpatialResolution[m]") * S("silixa_h5_1.hdf5", "Fibre Length Multiplier")),
            new("terra15_v5_test_file.hdf5", Shape("terra15_v5_test_file.hdf5")[1], Shape("terra15_v5_test_file.hdf5")[0],
                FromUnixMicroseconds(N("terra15_v5_test_file.hdf5", "posix_time_first") * 1e6), N("terra15_v5_test_file.hdf5", "dT"), null,
                N("terra15_v5_test_file.hdf5", "dx"), E("terra15_v5_test_file.hdf5").GetProperty("data_product_units").GetString()),
            new("decimated_optodas.hdf5", Shape("decimated_optodas.hdf5")[1], Shape("decimated_optodas.hdf5")[0],
                FromUnixMicroseconds(N("decimated_optodas.hdf5", "time") * 1e6), N("decimated_optodas.hdf5", "dt"),
                N("decimated_optodas.hdf5", "channels_first") * N("decimated_optodas.hdf5", "dx"), N("decimated_optodas.hdf5", "channels_step") * N("decimated_optodas.hdf5", "dx"),
                E("decimated_optodas.hdf5").GetProperty("unit").GetString()),
            // Febus blocks overlap and are trimmed: only the channel count and the 250 Hz rate are fixed by the file.
            new("valencia_febus_example.h5", Shape("valencia_febus_example.h5")[2], 0, null, 1 / N("valencia_febus_example.h5", "SamplingRate")),
            // SamplingInterval (0.408 m) is the raw spatial sampling; the stored points span PositionStart..PositionEnd,
            // so their spacing is that span over the gaps between points, to the 0.2% the header's rounding allows.
            new("ap_sensing_1.hdf5", Shape("ap_sensing_1.hdf5")[1], Shape("ap_sensing_1.hdf5")[0], null, null, N("ap_sensing_1.hdf5", "PositionStart"),
                (N("ap_sensing_1.hdf5", "PositionEnd") - N("ap_sensing_1.hdf5", "PositionStart")) / (N("ap_sensing_1.hdf5", "SpatialPoints") - 1),
                DistanceStepTolerance: 2e-3),
            new("deformation_rate_event_1.hdf5", Shape("deformation_rate_event_1.hdf5")[1], Shape("deformation_rate_event_1.hdf5")[0],
                FromUnixMicroseconds(N("deformation_rate_event_1.hdf5", "time_first_ns") / 1e3), N("deformation_rate_event_1.hdf5", "time_steps_ns") * 1e-9,
                N("deformation_rate_event_1.hdf5", "distance_first"), N("deformation_rate_event_1.hdf5", "distance_step")),
            new("gdr_1.h5", Shape("gdr_1.h5")[1], Shape("gdr_1.h5")[0], FromUnixMicroseconds(N("gdr_1.h5", "time_first") / 1e3), N("gdr_1.h5", "time_steps") * 1e-9),
            // README: 50 Hz, 25 m, time in ms since 2023-01-01.
            new("xdas_netcdf.nc", Shape("xdas_netcdf.nc")[1], Shape("xdas_netcdf.nc")[0], new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 0.02, 0, 25),
            new("h5_simple_1.h5", Shape("h5_simple_1.h5")[1], Shape("h5_simple_1.h5")[0], FromUnixMicroseconds(N("h5_simple_1.h5", "timestamp_first") * 1e6),
                (N("h5_simple_1.h5", "timestamp_last") - N("h5_simple_1.h5", "timestamp_first")) / (Shape("h5_simple_1.h5")[0] - 1)),
            // README: 10 traces x 20 samples at 4 ms; 3 traces at 1000 Hz from 2018-08-31T07:01:08.896.
            new("small_channel_patch.sgy", 10, 20, null, 0.004),
            new("etna_9n_3chan_10s.mseed", E("etna_9n_3chan_10s.mseed").GetProperty("traces").EnumerateObject().Count(), 0,
                new DateTimeOffset(2018, 8, 31, 7, 1, 8, 896, TimeSpan.Zero), 1e-3),
        };
        return list.ToDictionary(r => r.File);
    }

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public async Task Each_reference_file_ingests_and_info_json_matches_the_expected_metadata(string file)
    {
        var expected = References()[file];
        var ingest = await CliRunner.RunAsync("ingest", TestPaths.ConformanceFile("das-formats", file), "--store", _store, "--name", "a");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        var run = await CliRunner.RunAsync("info", "a", "--store", _store, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var info = JsonDocument.Parse(run.Out).RootElement;
        long[] shape = info.GetProperty("shape").EnumerateArray().Select(e => long.Parse(e.GetString()!, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected.Channels, shape[0]);
        if (expected.Samples > 0) Assert.Equal(expected.Samples, shape[1]);

        var channel = info.GetProperty("coords")[0];
        var time = info.GetProperty("coords")[1];
        double Number(JsonElement c, string key) => c.TryGetProperty(key, out var v) ? v.GetDouble() : 0;
        // Steps: the files store them as float32/float64 of varying precision; 1e-6 relative is what all of them hold.
        if (expected.Step is { } dt) Assert.Equal(dt, Number(time, "step"), dt * 1e-6);
        // Start times: the store keeps 100 ns ticks, vendors give µs (or ns, or float seconds good to ~1 µs).
        if (expected.Start is { } t0)
        {
            var origin = DateTimeOffset.Parse(time.GetProperty("origin").GetString()!, CultureInfo.InvariantCulture).AddSeconds(Number(time, "start"));
            Assert.True(Math.Abs((origin - t0).TotalMicroseconds) <= 2, $"start {origin:O}, expected {t0:O}");
        }
        if (expected.DistanceStep is { } dx) Assert.Equal(dx, Number(channel, "step"), dx * expected.DistanceStepTolerance);
        if (expected.DistanceStart is { } x0) Assert.Equal(x0, Number(channel, "start"), Math.Max(1e-6, Math.Abs(x0) * 1e-6));
        if (expected.Units is { } units) Assert.Equal(units, info.GetProperty("units").GetString());
        Assert.Equal(Path.GetFileName(file), info.GetProperty("metadata").GetProperty("source_files").GetString());

        // Values spot-checked: the first and last raw samples and the sum, read back through an embedded reduce.
        if (!E(file).TryGetProperty("data", out var data) || file.Contains("febus", StringComparison.Ordinal)) return;
        var reduce = await CliRunner.RunAsync("reduce", "a", "--store", _store, "--out", Path.Combine(_dir, "a.npy"));
        Assert.True(reduce.ExitCode == 0, reduce.ToString());
        var (_, _, values) = NpyFile.Read(Path.Combine(_dir, "a.npy"));
        // Integer and float32 sources are exact in float32; xdas stores float64, rounded once to float32 (2^-24 relative).
        double relative = data.GetProperty("dtype").GetString() == "float64" ? 1e-6 : 0;
        Assert.Equal(data.GetProperty("first").GetDouble(), values[0], Math.Abs(data.GetProperty("first").GetDouble()) * relative);
        Assert.Equal(data.GetProperty("last").GetDouble(), values[^1], Math.Abs(data.GetProperty("last").GetDouble()) * relative);
        double sum = values.Sum(v => (double)v), sumOfMagnitudes = values.Sum(v => Math.Abs((double)v));
        Assert.True(Math.Abs(sum - data.GetProperty("sum").GetDouble()) <= 1e-6 * sumOfMagnitudes + 1e-9, $"sum {sum}, expected {data.GetProperty("sum").GetDouble()}");
    }

    [Fact]
    public async Task Info_prints_a_readable_summary_with_duration_rate_span_units_and_vendor_metadata()
    {
        const string File = "prodml_2.0.h5";
        var ingest = await CliRunner.RunAsync("ingest", TestPaths.ConformanceFile("das-formats", File), "--store", _store, "--name", "p");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        var info = await CliRunner.RunAsync("info", "p", "--store", _store);
        Assert.True(info.ExitCode == 0, info.ToString());
        // From expected_metadata.json: 2500 samples at OutputDataRate 200 Hz = 12.5 s; 512 loci; the unit; gauge 10 m.
        double rate = E(File).GetProperty("OutputDataRate").GetDouble(), samples = Shape(File)[0];
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"duration:  {samples / rate:G6} s, 1970-01-01 00:00:00.000000 to"), info.Out);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"rate:      {rate:G6} Hz"), info.Out);
        Assert.Contains($"channels:  {Shape(File)[1]}, ", info.Out);
        Assert.Contains($"units:     {E(File).GetProperty("RawDataUnit").GetString()}", info.Out);
        Assert.Contains("  gauge_length = 10", info.Out);
    }

    /// <summary>An h5_simple file ([time, channel] /raw + POSIX /timestamp) whose samples encode file, channel and sample.</summary>
    private string WriteSimple(string folder, string name, int file, double startSeconds, int samples, int channels = 6, double rate = 100)
    {
        Directory.CreateDirectory(folder);
        var raw = new float[samples, channels];
        for (int t = 0; t < samples; t++)
            for (int c = 0; c < channels; c++) raw[t, c] = Value(file, c, t);
        string path = Path.Combine(folder, name);
        new H5File { ["raw"] = raw, ["timestamp"] = Enumerable.Range(0, samples).Select(i => 1.7e9 + startSeconds + i / rate).ToArray() }.Write(path);
        return path;
    }

    private static float Value(int file, int channel, int sample) => file * 100_000 + channel * 1000 + sample;

    [Fact]
    public async Task Files_of_one_acquisition_join_in_time_order_with_gaps_as_NaN_and_the_later_file_winning_overlaps()
    {
        string folder = Path.Combine(_dir, "acq");
        // 100 Hz: A covers [0, 1) s, B [1.5, 2.5) s (0.5 s gap), C [2.3, 3.3) s (0.2 s overlap with B). Names out of time order.
        WriteSimple(folder, "z_a.h5", 1, 0, 100);
        WriteSimple(folder, "x_b.h5", 2, 1.5, 100);
        WriteSimple(folder, "y_c.h5", 3, 2.3, 100);
        var ingest = await CliRunner.RunAsync("ingest", folder, "--store", _store, "--name", "joined");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.Contains("gap:", ingest.Out);
        Assert.Contains("overlap:", ingest.Out);

        var reduce = await CliRunner.RunAsync("reduce", "joined", "--store", _store, "--out", Path.Combine(_dir, "joined.npy"));
        Assert.True(reduce.ExitCode == 0, reduce.ToString());
        var (shape, _, values) = NpyFile.Read(Path.Combine(_dir, "joined.npy"));
        Assert.Equal([6L, 330L], shape);
        for (int c = 0; c < 6; c++)
        {
            for (int t = 0; t < 330; t++)
            {
                float expected = t < 100 ? Value(1, c, t) : t < 150 ? float.NaN : t < 230 ? Value(2, c, t - 150) : Value(3, c, t - 230);
                Assert.Equal(expected, values[c * 330 + t]);
            }
        }

        var info = await CliRunner.RunAsync("info", "joined", "--store", _store, "--json");
        var metadata = JsonDocument.Parse(info.Out).RootElement.GetProperty("metadata");
        var gaps = JsonDocument.Parse(metadata.GetProperty("ingest_gaps").GetString()!).RootElement;
        Assert.Equal(50, gaps.EnumerateArray().Single().GetProperty("samples").GetInt64());
        var overlaps = JsonDocument.Parse(metadata.GetProperty("ingest_overlaps").GetString()!).RootElement;
        Assert.Equal(20, overlaps.EnumerateArray().Single().GetProperty("samples").GetInt64());
        Assert.Equal("y_c.h5", overlaps[0].GetProperty("kept").GetString());
        Assert.Equal("z_a.h5,x_b.h5,y_c.h5", metadata.GetProperty("source_files").GetString());
    }

    [Fact]
    public async Task A_file_with_another_channel_count_or_rate_is_refused_by_name_and_nothing_is_written()
    {
        string folder = Path.Combine(_dir, "mixed");
        WriteSimple(folder, "a.h5", 1, 0, 50);
        WriteSimple(folder, "b.h5", 2, 0.5, 50, channels: 7);
        var channels = await CliRunner.RunAsync("ingest", Path.Combine(folder, "*.h5"), "--store", _store, "--name", "m");
        Assert.Equal(1, channels.ExitCode);
        Assert.Contains("b.h5: 7 channels", channels.Error);

        File.Delete(Path.Combine(folder, "b.h5"));
        WriteSimple(folder, "c.h5", 2, 0.5, 50, rate: 200);
        var rate = await CliRunner.RunAsync("ingest", Path.Combine(folder, "a.h5"), Path.Combine(folder, "c.h5"), "--store", _store, "--name", "m");
        Assert.Equal(1, rate.ExitCode);
        Assert.Contains("c.h5: sampling interval", rate.Error);

        var ls = await CliRunner.RunAsync("ls", "--store", _store);
        Assert.DoesNotContain(" m ", ls.Out);
    }

    [Fact]
    public async Task Appending_adds_fragments_after_the_end_and_records_the_gap()
    {
        string folder = Path.Combine(_dir, "live");
        string first = WriteSimple(folder, "1.h5", 1, 0, 100);
        string second = WriteSimple(folder, "2.h5", 2, 1.25, 100);
        Assert.Equal(0, (await CliRunner.RunAsync("ingest", first, "--store", _store, "--name", "live")).ExitCode);
        var append = await CliRunner.RunAsync("ingest", second, "--store", _store, "--name", "live");
        Assert.True(append.ExitCode == 0, append.ToString());
        Assert.StartsWith("appended 1 H5_SIMPLE", append.Out);
        Assert.True(Directory.GetDirectories(Path.Combine(_store, "arrays", "live", "__fragments")).Length >= 2);

        var reduce = await CliRunner.RunAsync("reduce", "live", "--store", _store, "--channels", "2:3", "--out", Path.Combine(_dir, "live.npy"));
        Assert.True(reduce.ExitCode == 0, reduce.ToString());
        var (shape, _, values) = NpyFile.Read(Path.Combine(_dir, "live.npy"));
        Assert.Equal([1L, 225L], shape);
        Assert.Equal(Value(1, 2, 99), values[99]);
        Assert.True(values.Skip(100).Take(25).All(float.IsNaN));
        Assert.Equal(Value(2, 2, 0), values[125]);

        var info = await CliRunner.RunAsync("info", "live", "--store", _store, "--json");
        string gaps = JsonDocument.Parse(info.Out).RootElement.GetProperty("metadata").GetProperty("ingest_gaps").GetString()!;
        Assert.Equal(25, JsonDocument.Parse(gaps).RootElement.EnumerateArray().Single().GetProperty("samples").GetInt64());
    }
}

/// <summary>An append that fails part-way leaves the array as it was (issue 8: interrupted ingest).</summary>
public sealed class CliAppendRollbackTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-cli-rollback");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_failing_append_removes_the_fragments_it_wrote()
    {
        var store = new Storage.ArrayStore(_dir);
        var coordinates = new Storage.ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1);
        // 1024 channels: a 32 MiB block holds one time tile (8192 samples), so the append below takes several blocks.
        const int Channels = 1024;
        Cli.Internal.ArrayWriting.Write(store, "a", Channels, 100, coordinates, new Dictionary<string, string>(),
            (start, count, destination) => Array.Fill(destination, 1f), null, CancellationToken.None);
        string fragments = Path.Combine(store.PathOf("a"), "__fragments");
        int before = Directory.GetDirectories(fragments).Length;

        // From sample 100 the first block ends at the first time-tile boundary (8192): the second block's read fails.
        int calls = 0;
        Assert.Throws<IOException>(() => Cli.Internal.ArrayWriting.Append(store, "a", Channels, 100, 20_000,
            (start, count, destination) =>
            {
                if (++calls == 2) throw new IOException("disk unplugged");
                Array.Fill(destination, 2f);
            }, null, CancellationToken.None));

        Assert.Equal(2, calls);
        Assert.Equal(before, Directory.GetDirectories(fragments).Length);
        var info = store.Describe("a");
        Assert.Equal(100, info.Layout.Shape[1]);
        using var source = store.Open("a");
        var values = new float[Channels * 100];
        source.Read(0, Channels, 1, 0, 100, values);
        Assert.All(values, v => Assert.Equal(1f, v));
    }
}
