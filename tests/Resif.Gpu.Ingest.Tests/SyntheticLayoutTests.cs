using PureHDF;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>Layouts the reference files do not have, written with PureHDF: axis order must come from the file.</summary>
public class SyntheticLayoutTests
{
    [Fact]
    public void ProdmlLocusMajorDataIsReadWithoutTransposition()
    {
        const int loci = 4, samples = 6;
        // Stored [locus, time]; value = 100 * locus + sample.
        var data = new short[loci * samples];
        for (int l = 0; l < loci; l++)
            for (int t = 0; t < samples; t++) data[l * samples + t] = (short)(100 * l + t);
        string dir = TestPaths.NewTempDirectory("resif-prodml");
        try
        {
            string path = Path.Combine(dir, "locus-major.h5");
            var rawData = new H5Dataset(data, fileDims: [loci, samples]);
            rawData.Attributes = new() { ["Dimensions"] = new[] { "locus", "time" } };
            var raw = new H5Group { ["RawData"] = rawData, ["RawDataTime"] = new long[] { 1_700_000_000_000_000, 1_700_000_000_000_500, 1_700_000_000_001_000, 1_700_000_000_001_500, 1_700_000_000_002_000, 1_700_000_000_002_500 } };
            raw.Attributes = new() { ["OutputDataRate"] = 2000.0, ["StartLocusIndex"] = 10, ["RawDataUnit"] = "rad" };
            var acquisition = new H5Group { ["Raw[0]"] = raw };
            acquisition.Attributes = new() { ["SpatialSamplingInterval"] = 2.0, ["schemaVersion"] = "2.1" };
            new H5File { ["Acquisition"] = acquisition }.Write(path);

            var recording = DasFormats.Read(path);
            Assert.Equal("PRODML", recording.Info.Format);
            Assert.Equal(loci, recording.Channels);
            Assert.Equal(samples, recording.SampleCount);
            Assert.Equal(data.Select(v => (float)v), recording.Data);
            Assert.Equal(20.0, recording.Info.Distance.Start);
            Assert.Equal(0.0005, recording.Info.TimeStep, 1e-15);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), recording.Info.TimeOrigin);
            Assert.Equal("rad", recording.Info.DataUnits);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DasdaeFileOfSeveralPatchesIsRefusedNotCut()
    {
        string dir = TestPaths.NewTempDirectory("resif-dasdae");
        try
        {
            string path = Path.Combine(dir, "two-patches.h5");
            H5Group Patch() => new()
            {
                ["data"] = new H5Dataset(new float[6], fileDims: [3, 2]),
                ["_coord_time"] = new long[] { 0, 1000, 2000 },
                ["_coord_distance"] = new[] { 0.0, 1.0 },
            };
            var file = new H5File { ["waveforms"] = new H5Group { ["a"] = Patch(), ["b"] = Patch() } };
            file.Attributes = new() { ["__format__"] = "DASDAE" };
            file.Write(path);
            var e = Assert.Throws<InvalidDataException>(() => DasFormats.Read(path));
            Assert.Contains("2 patches", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
