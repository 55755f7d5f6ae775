using PureHDF;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class FebusOverlapTests
{
    /// <summary>
    /// A synthetic Febus file whose blocks of 8 samples overlap by half (stamps 4 samples apart), each sample
    /// holding its absolute index: trimming must lay the kept middles end to end into one unbroken ramp.
    /// </summary>
    [Fact]
    public void OverlappingBlocksAreTrimmedIntoAContinuousRecord()
    {
        const int blocks = 5, perBlock = 8, stride = 4, channels = 3;
        const double rate = 100.0, firstStamp = 1_600_000_000.0;
        var cube = new float[blocks * perBlock * channels];
        for (int b = 0; b < blocks; b++)
            for (int t = 0; t < perBlock; t++)
                for (int c = 0; c < channels; c++)
                    cube[(b * perBlock + t) * channels + c] = 1000 * c + b * stride + t;
        var stamps = Enumerable.Range(0, blocks).Select(b => firstStamp + b * stride / rate + (b % 2 == 0 ? 0.001 : -0.001)).ToArray();

        string dir = TestPaths.NewTempDirectory("resif-febus");
        try
        {
            string path = Path.Combine(dir, "overlap.h5");
            var zone = new H5Group
            {
                ["Strain"] = new H5Dataset(cube, fileDims: [blocks, perBlock, channels]),
            };
            zone.Attributes = new() { ["Spacing"] = new[] { 2.5, 1000 / rate, 1.0 }, ["SamplingRate"] = rate, ["Origin"] = new[] { 10.0, 0, 0 }, ["Extent"] = new[] { 4.0, 6, 0, perBlock - 1, 0, 0 } };
            var file = new H5File
            {
                ["device"] = new H5Group
                {
                    ["Source1"] = new H5Group { ["Zone1"] = zone, ["time"] = new H5Dataset(stamps, fileDims: [1, blocks]) },
                },
            };
            file.Write(path);

            Assert.Equal("FEBUS", DasFormats.Detect(path).Format);
            var recording = DasFormats.Read(path);
            Assert.Equal(blocks * stride, recording.SampleCount);
            Assert.Equal(channels, recording.Channels);
            const int trim = (perBlock - stride) / 2;
            for (int c = 0; c < channels; c++)
            {
                var expected = Enumerable.Range(trim, blocks * stride).Select(i => (float)(1000 * c + i)).ToArray();
                Assert.Equal(expected, recording.Channel(c).ToArray());
            }
            // The first kept sample is 'trim' samples after the first block's stamp.
            Assert.Equal(firstStamp + 0.001 + trim / rate, (recording.Info.TimeOrigin - DateTimeOffset.UnixEpoch).Ticks / 1e7, 1e-6);
            Assert.Equal(10.0 + 4.0 * 2.5, recording.Info.Distance.Start);
            Assert.Equal(2.5, recording.Info.Distance.Step);

            var block = DasFormats.Get("FEBUS").ReadTimeBlock(path, 3, 9);
            for (int c = 0; c < channels; c++)
                Assert.Equal(recording.Channel(c).Slice(3, 9).ToArray(), block.Channel(c).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
