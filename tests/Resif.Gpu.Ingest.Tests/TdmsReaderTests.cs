using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class TdmsReaderTests
{
    private const string Idas = "iDAS005_tdms_example.626.tdms";
    private const string Truncated = "sample_tdms_file_v4713.tdms";

    [Fact]
    public void IdasTdmsMatchesExpectedShapeAndSums()
    {
        var recording = DasFormats.Get("TDMS").Read(Expected.PathOf(Idas));
        Assert.Equal(Expected.Of(Idas).GetProperty("channels").GetInt32(), recording.Channels);
        Assert.Equal(Expected.Of(Idas).GetProperty("samples").GetInt64(), recording.SampleCount);
        Stats.AssertMatches(Idas, recording);
        Assert.Equal("4713", recording.Info.Metadata["tdms_version"]);
        Assert.Equal("false", recording.Info.Metadata["truncated"]);
        Assert.Equal(0.001, recording.Info.TimeStep, 1e-15);
        Assert.Equal(1.0 * 1.02095, recording.Info.Distance.Step, 1e-5);
    }

    [Fact]
    public void TdmsAndProdmlOfTheSameAcquisitionAreBitIdentical()
    {
        var tdms = DasFormats.Get("TDMS").Read(Expected.PathOf(Idas));
        var prodml = DasFormats.Get("PRODML").Read(Expected.PathOf("iDAS005_hdf5_example.626.h5"));
        Assert.Equal(prodml.Channels, tdms.Channels);
        Assert.Equal(prodml.SampleCount, tdms.SampleCount);
        Assert.True(prodml.Data.AsSpan().SequenceEqual(tdms.Data), "TDMS and PRODML samples differ");
        // LabVIEW's 2^-64 fraction rounds to the same microsecond as PRODML's time array.
        Assert.Equal(prodml.Info.TimeOrigin, tdms.Info.TimeOrigin);
        Assert.Equal(prodml.Info.TimeStep, tdms.Info.TimeStep, 1e-15);
    }

    [Fact]
    public void TruncatedSegmentReadsTheCompleteSamplesPresent()
    {
        var e = Expected.Of(Truncated);
        var recording = DasFormats.Get("TDMS").Read(Expected.PathOf(Truncated));
        Assert.Equal(e.GetProperty("channels").GetInt32(), recording.Channels);
        Assert.Equal(e.GetProperty("samples_present").GetInt64(), recording.SampleCount);
        Assert.Equal("true", recording.Info.Metadata["truncated"]);
        Assert.Equal(e.GetProperty("data_sum").GetDouble(), Stats.Of(recording.Data).Sum);
        Assert.Equal(e.GetProperty("first").GetDouble(), recording.Data[0]);
        Assert.Equal(e.GetProperty("last").GetDouble(), recording.Data[^1]);
        Assert.Equal(0.002, recording.Info.TimeStep, 1e-15);
    }

    [Fact]
    public void FileCutInsideRawDataReadsAPrefixOfTheFullRecording()
    {
        string dir = TestPaths.NewTempDirectory("resif-tdms");
        try
        {
            byte[] bytes = File.ReadAllBytes(Expected.PathOf(Idas));
            long rawStart = 28 + Expected.Of(Idas).GetProperty("lead_in").GetProperty("raw_data_offset").GetInt64();
            const int channels = 1152, keptRows = 321;
            string cut = Path.Combine(dir, "cut.tdms");
            // 321 whole rows and half of the next one.
            File.WriteAllBytes(cut, bytes[..(int)(rawStart + keptRows * channels * 2 + channels)]);
            var full = DasFormats.Get("TDMS").Read(Expected.PathOf(Idas));
            var part = DasFormats.Read(cut);
            Assert.Equal(keptRows, part.SampleCount);
            for (int c = 0; c < channels; c += 97)
                Assert.True(full.Channel(c)[..keptRows].SequenceEqual(part.Channel(c)), $"channel {c} differs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TimeBlockEqualsTheSameSlicesOfTheWholeRead()
    {
        var reader = DasFormats.Get("TDMS");
        var full = reader.Read(Expected.PathOf(Idas));
        var block = reader.ReadTimeBlock(Expected.PathOf(Idas), 400, 250);
        Assert.Equal(250, block.SampleCount);
        Assert.Equal(full.Info.TimeOrigin + TimeSpan.FromMilliseconds(400), block.StartTime);
        for (int c = 0; c < full.Channels; c += 101)
            Assert.True(full.Channel(c).Slice(400, 250).SequenceEqual(block.Channel(c)));
    }
}
