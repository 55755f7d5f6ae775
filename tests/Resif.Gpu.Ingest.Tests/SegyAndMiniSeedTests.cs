using Resif.Gpu.Core.IO;
using Resif.Gpu.Ingest.Internal.MiniSeed;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class SegyAndMiniSeedTests
{
    private const string Segy = "small_channel_patch.sgy";
    private const string Mseed = "etna_9n_3chan_10s.mseed";

    [Fact]
    public void SegyTracesMatchExpectedSums()
    {
        var recording = DasFormats.Get("SEGY").Read(Expected.PathOf(Segy));
        Assert.Equal(10, recording.Channels);
        Assert.Equal(20, recording.SampleCount);
        Assert.Equal(0.004, recording.Info.TimeStep, 1e-15);
        Assert.Equal("ibm_float32", recording.Info.RawDtype);
        var sums = Expected.Of(Segy).GetProperty("trace_sums_first_three");
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            foreach (float v in recording.Channel(c)) sum += v;
            // Each IBM value rounds to float32 (2^-24 relative); 20 values of magnitude ~1.
            Assert.Equal(sums[c].GetDouble(), sum, 20 * Math.Pow(2, -23));
        }
        double first = Expected.Of(Segy).GetProperty("trace0_first_sample").GetDouble();
        Assert.Equal(first, recording.Data[0], Math.Abs(first) * Math.Pow(2, -23));
        Assert.Equal(new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(260), recording.Info.TimeOrigin);
    }

    [Fact]
    public void SegyIbmDecodingAgreesWithNumpy()
    {
        var recording = DasFormats.Get("SEGY").Read(Expected.PathOf(Segy));
        string dir = TestPaths.NewTempDirectory("resif-segy");
        try
        {
            // Independent decoder: IBM float from its definition, over the raw trace bytes.
            Python.Run($$"""
                import numpy as np
                raw = np.fromfile({{System.Text.Json.JsonSerializer.Serialize(Expected.PathOf(Segy))}}, dtype=np.uint8)[3600:]
                words = raw.reshape(10, 240 + 80)[:, 240:].copy().view('>u4').astype(np.uint64)
                sign = np.where(words >> 31, -1.0, 1.0)
                exponent = ((words >> 24) & 0x7f).astype(np.int64) - 64
                fraction = (words & 0xffffff).astype(np.float64) / 2.0**24
                np.save('y.npy', (sign * fraction * 16.0**exponent).astype(np.float32))
                """, dir);
            // Both sides round the exact (float64) IBM value to the nearest float32: equal bit for bit.
            float[] expected = NpyFile.Read(Path.Combine(dir, "y.npy")).Values;
            Assert.Equal(expected, recording.Data);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MiniSeedSteim2TracesDecodeExactly()
    {
        var traces = MiniSeedFile.Read(Expected.PathOf(Mseed));
        var expected = Expected.Of(Mseed).GetProperty("traces");
        Assert.Equal(3, traces.Count);
        foreach (var trace in traces)
        {
            var e = expected.GetProperty(trace.Id);
            Assert.Equal(e.GetProperty("npts").GetInt32(), trace.Samples.Length);
            Assert.Equal(e.GetProperty("sum").GetDouble(), trace.Samples.Sum());
            Assert.Equal(e.GetProperty("first5").EnumerateArray().Select(v => v.GetDouble()), trace.Samples.Take(5));
            Assert.Equal(e.GetProperty("last").GetDouble(), trace.Samples[^1]);
            Assert.Equal(e.GetProperty("min").GetDouble(), trace.Samples.Min());
            Assert.Equal(e.GetProperty("max").GetDouble(), trace.Samples.Max());
            Assert.Equal(1000.0, trace.SampleRate);
            Assert.Equal(new DateTimeOffset(2018, 8, 31, 7, 1, 8, 896, TimeSpan.Zero), trace.Start);
        }
    }

    [Fact]
    public void MiniSeedStationsBecomeLabelledChannelsOverTheCommonWindow()
    {
        var recording = DasFormats.Get("MSEED").Read(Expected.PathOf(Mseed));
        var expected = Expected.Of(Mseed).GetProperty("traces");
        string[] ids = ["9N.00066..HSF", "9N.00067..HSF", "9N.00068..HSF"];
        Assert.Equal(ids, recording.Info.Distance.Labels);
        Assert.Equal(ids.Min(id => expected.GetProperty(id).GetProperty("npts").GetInt64()), recording.SampleCount);
        Assert.Equal(0.001, recording.Info.TimeStep, 1e-15);
        Assert.Equal("int32", recording.Info.RawDtype);
        for (int c = 0; c < ids.Length; c++)
        {
            var first5 = expected.GetProperty(ids[c]).GetProperty("first5").EnumerateArray().Select(v => (float)v.GetDouble());
            Assert.Equal(first5, recording.Channel(c)[..5].ToArray());
        }
    }
}
