namespace Resif.Gpu.Ingest.Tests;

/// <summary>Each HDF5-based reference file read through its reader, against expected_metadata.json.</summary>
public class Hdf5ReaderTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    [Theory]
    [InlineData("prodml_2.0.h5", "PRODML")]
    [InlineData("iDAS005_hdf5_example.626.h5", "PRODML")]
    [InlineData("silixa_h5_1.hdf5", "SILIXA_H5")]
    [InlineData("terra15_v5_test_file.hdf5", "TERRA15")]
    [InlineData("decimated_optodas.hdf5", "OPTODAS")]
    [InlineData("ap_sensing_1.hdf5", "AP_SENSING")]
    [InlineData("deformation_rate_event_1.hdf5", "DASDAE")]
    [InlineData("gdr_1.h5", "GDR")]
    [InlineData("xdas_netcdf.nc", "XDAS_NETCDF")]
    [InlineData("h5_simple_1.h5", "H5_SIMPLE")]
    public void TimeMajorFileReadsWithExpectedShapeAndSums(string file, string format)
    {
        var recording = DasFormats.Get(format).Read(Expected.PathOf(file));
        var shape = Expected.Of(file).GetProperty("data").GetProperty("shape");
        Assert.Equal(shape[0].GetInt64(), recording.SampleCount);
        Assert.Equal(shape[1].GetInt32(), recording.Channels);
        Assert.Equal(format, recording.Info.Format);
        Stats.AssertMatches(file, recording);
    }

    [Fact]
    public void Prodml20HasEpochStartLociAndUnits()
    {
        const string file = "prodml_2.0.h5";
        var info = DasFormats.Get("PRODML").Scan(Expected.PathOf(file));
        Assert.Equal(Epoch.AddTicks((long)Expected.Number(file, "time_first_us") * 10), info.TimeOrigin);
        Assert.Equal(Expected.Number(file, "time_step_us") * 1e-6, info.TimeStep, 1e-15);
        double dx = Expected.Number(file, "SpatialSamplingInterval");
        Assert.Equal(Expected.Number(file, "StartLocusIndex") * dx, info.Distance.Start, 1e-12);
        Assert.Equal(dx, info.Distance.Step, 1e-15);
        Assert.Equal(Expected.Text(file, "RawDataUnit"), info.DataUnits);
        Assert.Equal(Expected.Number(file, "GaugeLength"), double.Parse(info.Metadata["gauge_length"]));
        Assert.Equal("2.0", info.Metadata["schema_version"]);
    }

    [Fact]
    public void Prodml21StartsAtItsMicrosecondTimeArray()
    {
        const string file = "iDAS005_hdf5_example.626.h5";
        var recording = DasFormats.Get("PRODML").Read(Expected.PathOf(file));
        Assert.Equal(Epoch.AddTicks((long)Expected.Number(file, "time_first_us") * 10), recording.Info.TimeOrigin);
        Assert.Equal(Expected.Number(file, "time_step_us") * 1e-6, recording.Info.TimeStep, 1e-15);
        Assert.Equal(Expected.Number(file, "StartLocusIndex") * Expected.Number(file, "SpatialSamplingInterval"), recording.Info.Distance.Start, 1e-12);
        Assert.Equal("2.1", recording.Info.Metadata["schema_version"]);
        // The time array's last value is the first plus (n-1) steps: the regular axis is faithful.
        long lastUs = (long)Expected.Number(file, "time_last_us");
        Assert.Equal(Epoch.AddTicks(lastUs * 10), recording.Info.TimeOrigin + TimeSpan.FromSeconds((recording.SampleCount - 1) * recording.Info.TimeStep));
    }

    [Fact]
    public void ScanAndReadGiveTheSameAttributes()
    {
        string path = Expected.PathOf("prodml_2.0.h5");
        var reader = DasFormats.Get("PRODML");
        Assert.Equal(reader.Scan(path).Metadata, reader.Read(path).Info.Metadata);
    }

    [Fact]
    public void SilixaHdf5UsesIsoTimeAndVendorDistances()
    {
        const string file = "silixa_h5_1.hdf5";
        var info = DasFormats.Get("SILIXA_H5").Scan(Expected.PathOf(file));
        Assert.Equal(DateTimeOffset.Parse(Expected.Text(file, "ISO8601 Timestamp")), info.TimeOrigin);
        // The day-first GPS stamp names the same instant.
        Assert.Equal(new DateTimeOffset(2023, 9, 22, 18, 29, 26, 158, TimeSpan.Zero), info.TimeOrigin);
        Assert.Equal(1.0 / double.Parse(Expected.Text(file, "SamplingFrequency[Hz]")), info.TimeStep, 1e-15);
        double step = double.Parse(Expected.Text(file, "SpatialResolution[m]")) * double.Parse(Expected.Text(file, "Fibre Length Multiplier"));
        Assert.Equal(step, info.Distance.Step, 1e-12);
        Assert.Equal(double.Parse(Expected.Text(file, "Start Distance (m)")), info.Distance.Start, 1e-12);
        // The vendor's stop distance lies 0.02 step beyond the last channel (its own rounding): within a step
        // checks start, step and channel count together.
        Assert.Equal(double.Parse(Expected.Text(file, "Stop Distance (m)")), info.Distance.ValueAt(info.Channels - 1), step);
        Assert.Equal("10", info.Metadata["gauge_length"]);
    }

    [Fact]
    public void Terra15HasUnitsTimeAndDistance()
    {
        const string file = "terra15_v5_test_file.hdf5";
        var info = DasFormats.Get("TERRA15").Scan(Expected.PathOf(file));
        Assert.Equal(Expected.Text(file, "data_product_units"), info.DataUnits);
        Assert.Equal(Expected.Number(file, "dT"), info.TimeStep, 1e-15);
        Assert.Equal(Expected.Number(file, "dx"), info.Distance.Step, 1e-12);
        Assert.Equal(Expected.Number(file, "posix_time_first"), info.TimeOrigin.ToUnixTimeMilliseconds() / 1e3, 1e-3);
        Assert.Equal(Expected.Number(file, "posix_time_first"), (info.TimeOrigin - Epoch).Ticks / 1e7, 1e-6);
        Assert.Equal(Expected.Number(file, "gauge_length"), double.Parse(info.Metadata["gauge_length"]), 1e-12);
    }

    [Fact]
    public void OptoDasDistanceIsChannelNumberTimesDx()
    {
        const string file = "decimated_optodas.hdf5";
        var info = DasFormats.Get("OPTODAS").Scan(Expected.PathOf(file));
        double dx = Expected.Number(file, "dx");
        Assert.Equal(Expected.Number(file, "channels_first") * dx, info.Distance.Start, 1e-9);
        Assert.Equal(Expected.Number(file, "channels_step") * dx, info.Distance.Step, 1e-9);
        Assert.Equal(Expected.Number(file, "channels_last") * dx, info.Distance.ValueAt(info.Channels - 1), 1e-9);
        Assert.Equal(Expected.Number(file, "dt"), info.TimeStep, 1e-15);
        Assert.Equal(Expected.Number(file, "time"), (info.TimeOrigin - Epoch).Ticks / 1e7, 1e-6);
        Assert.Equal(Expected.Text(file, "unit"), info.DataUnits);
        Assert.Equal(Expected.Number(file, "gaugeLength"), double.Parse(info.Metadata["gauge_length"]), 1e-12);
    }

    [Fact]
    public void ApSensingStartsAtPositionStart()
    {
        const string file = "ap_sensing_1.hdf5";
        var info = DasFormats.Get("AP_SENSING").Scan(Expected.PathOf(file));
        Assert.Equal(Expected.Number(file, "PositionStart"), info.Distance.Start, 1e-9);
        Assert.Equal((int)Expected.Number(file, "SpatialPoints"), info.Channels);
        Assert.Equal(Expected.Number(file, "PulseRate"), double.Parse(info.Metadata["pulse_rate"]));
    }

    [Fact]
    public void DasdaeKeepsNanosecondCoordinatesToTheMicrosecond()
    {
        const string file = "deformation_rate_event_1.hdf5";
        var info = DasFormats.Get("DASDAE").Scan(Expected.PathOf(file));
        long firstNs = Expected.Of(file).GetProperty("time_first_ns").GetInt64();
        // Nearest microsecond, in integers (a double cannot hold 1.65e18 ns exactly).
        Assert.Equal(Epoch.AddTicks((firstNs + 500) / 1000 * 10), info.TimeOrigin);
        Assert.Equal(Expected.Number(file, "time_steps_ns") * 1e-9, info.TimeStep, 1e-15);
        Assert.Equal(Expected.Number(file, "distance_first"), info.Distance.Start, 1e-9);
        Assert.Equal(Expected.Number(file, "distance_step"), info.Distance.Step, 1e-9);
        Assert.Equal(Expected.Number(file, "distance_last"), info.Distance.ValueAt(info.Channels - 1), 1e-6);
        Assert.Equal("m / s", info.DataUnits);
    }

    [Fact]
    public void GdrTimeCoordinateEqualsTheTimeArray()
    {
        const string file = "gdr_1.h5";
        var info = DasFormats.Get("GDR").Scan(Expected.PathOf(file));
        long firstNs = Expected.Of(file).GetProperty("time_first").GetInt64();
        long lastNs = Expected.Of(file).GetProperty("time_last").GetInt64();
        Assert.Equal(Epoch.AddTicks(firstNs / 100), info.TimeOrigin);
        Assert.Equal(Expected.Number(file, "time_steps") * 1e-9, info.TimeStep, 1e-15);
        Assert.Equal((lastNs - firstNs) / 100, (long)Math.Round((info.Samples - 1) * info.TimeStep * 1e7));
        Assert.Equal(1.021, info.Distance.Step, 1e-12);
        Assert.Equal("10", info.Metadata["gauge_length"]);
    }

    [Fact]
    public void XdasTiePointsGiveFiftyHertzAndTwentyFiveMetres()
    {
        var info = DasFormats.Get("XDAS_NETCDF").Scan(Expected.PathOf("xdas_netcdf.nc"));
        // time_values [0, 5980] ms over indices [0, 299]; distance_values [0, 10000] m over [0, 400] (README).
        Assert.Equal(0.020, info.TimeStep, 1e-15);
        Assert.Equal(25.0, info.Distance.Step, 1e-12);
        Assert.Equal(0.0, info.Distance.Start);
        Assert.Equal(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), info.TimeOrigin);
    }

    [Fact]
    public void H5SimpleTimeComesFromTimestamps()
    {
        const string file = "h5_simple_1.h5";
        var info = DasFormats.Get("H5_SIMPLE").Scan(Expected.PathOf(file));
        double first = Expected.Number(file, "timestamp_first"), last = Expected.Number(file, "timestamp_last");
        Assert.Equal(first, (info.TimeOrigin - Epoch).Ticks / 1e7, 1e-6);
        Assert.Equal((last - first) / (info.Samples - 1), info.TimeStep, 1e-12);
    }

    [Fact]
    public void FebusBlocksAreLaidEndToEndAtTwoHundredFiftyHertz()
    {
        const string file = "valencia_febus_example.h5";
        var recording = DasFormats.Get("FEBUS").Read(Expected.PathOf(file));
        var data = Expected.Of(file).GetProperty("data");
        var shape = data.GetProperty("shape");
        // Upstream: time step of 250 Hz. Stamps are ~1 s apart and blocks hold 250 samples: no overlap to trim.
        Assert.Equal(1.0 / 250, recording.Info.TimeStep, 1e-15);
        Assert.Equal(shape[0].GetInt64() * shape[1].GetInt64(), recording.SampleCount);
        Assert.Equal(shape[2].GetInt32(), recording.Channels);
        Assert.Equal("0", recording.Info.Metadata["block_trim_samples"]);
        var blockTimes = Expected.Of(file).GetProperty("block_times");
        Assert.Equal(blockTimes[0].GetDouble(), (recording.Info.TimeOrigin - Epoch).Ticks / 1e7, 1e-6);
        Assert.Equal(16.8, recording.Info.Distance.Step, 1e-12);
        var (sum, sumSq, absSum) = Stats.Of(recording.Data);
        Assert.Equal(data.GetProperty("sum").GetDouble(), sum, 1e-9 * absSum);
        Assert.Equal(data.GetProperty("sumsq").GetDouble(), sumSq, 1e-9 * sumSq);
        Assert.Equal(data.GetProperty("first").GetDouble(), recording.Data[0]);
        Assert.Equal(data.GetProperty("last").GetDouble(), recording.Data[^1]);
    }
}
