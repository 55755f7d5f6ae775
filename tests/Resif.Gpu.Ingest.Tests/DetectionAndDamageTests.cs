using Resif.Gpu.Core;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class DetectionAndDamageTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "prodml_2.0.h5", "PRODML" },
        { "iDAS005_hdf5_example.626.h5", "PRODML" },
        { "silixa_h5_1.hdf5", "SILIXA_H5" },
        { "terra15_v5_test_file.hdf5", "TERRA15" },
        { "decimated_optodas.hdf5", "OPTODAS" },
        { "ap_sensing_1.hdf5", "AP_SENSING" },
        { "deformation_rate_event_1.hdf5", "DASDAE" },
        { "gdr_1.h5", "GDR" },
        { "xdas_netcdf.nc", "XDAS_NETCDF" },
        { "valencia_febus_example.h5", "FEBUS" },
        { "h5_simple_1.h5", "H5_SIMPLE" },
        { "iDAS005_tdms_example.626.tdms", "TDMS" },
        { "sample_tdms_file_v4713.tdms", "TDMS" },
        { "small_channel_patch.sgy", "SEGY" },
        { "etna_9n_3chan_10s.mseed", "MSEED" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void DetectionPicksTheRightReader(string file, string format) =>
        Assert.Equal(format, DasFormats.Detect(Expected.PathOf(file)).Format);

    [Fact]
    public void EveryConformanceFileIsCovered()
    {
        var covered = Files.Select(row => (string)row[0]).ToHashSet();
        var present = Directory.GetFiles(TestPaths.ConformanceFile("das-formats"))
            .Select(Path.GetFileName).Where(n => n is not ("README.md" or "expected_metadata.json"));
        Assert.All(present, n => Assert.Contains(n!, covered));
    }

    [Fact]
    public void UnknownFormatNameIsARequestError()
    {
        var e = Assert.Throws<InvalidRequestException>(() => DasFormats.Get("NOPE"));
        Assert.Equal("format", e.Field);
    }

    /// <summary>Every reader's time blocks are the same slices of its whole read, with the block's own start.</summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void TimeBlockEqualsTheSliceOfTheWholeRead(string file, string format)
    {
        var reader = DasFormats.Get(format);
        string path = Expected.PathOf(file);
        var full = reader.Read(path);
        long start = full.SampleCount / 3, count = full.SampleCount / 4;
        var block = reader.ReadTimeBlock(path, start, count);
        Assert.Equal(count, block.SampleCount);
        Assert.Equal(full.Info.Time.ValueAt(start), block.Time.Start, 1e-12);
        for (int c = 0; c < full.Channels; c += Math.Max(1, full.Channels / 7))
            Assert.True(full.Channel(c).Slice((int)start, (int)count).SequenceEqual(block.Channel(c)), $"channel {c} differs");
    }

    [Fact]
    public void TimeBlockOutsideTheFileNamesTheField()
    {
        var reader = DasFormats.Get("H5_SIMPLE");
        string path = Expected.PathOf("h5_simple_1.h5");
        Assert.Equal("count", Assert.Throws<InvalidRequestException>(() => reader.ReadTimeBlock(path, 150, 51)).Field);
        Assert.Equal("start", Assert.Throws<InvalidRequestException>(() => reader.ReadTimeBlock(path, -1, 1)).Field);
    }

    /// <summary>
    /// Cut anywhere, a file is refused with an <see cref="InvalidDataException"/> naming it (never a crash, a hang
    /// or wrong numbers). TDMS cut inside its raw data is the documented exception: see the TDMS tests.
    /// </summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void TruncatedFileIsRefusedWithItsName(string file, string format)
    {
        byte[] bytes = File.ReadAllBytes(Expected.PathOf(file));
        long rawStart = format == "TDMS" ? 28 + Expected.Of(file).GetProperty("lead_in").GetProperty("raw_data_offset").GetInt64() : bytes.Length;
        // Cuts avoid record boundaries (+101): a miniSEED file cut between records is a valid, shorter file.
        long[] cuts = format == "TDMS" ? [10, 27, 500, rawStart - 1]
            : [10, bytes.Length / 3 + 101, bytes.Length / 2 + 101, bytes.Length * 9 / 10 + 101, bytes.Length - 1];
        string dir = TestPaths.NewTempDirectory("resif-cut");
        try
        {
            foreach (long cut in cuts)
            {
                string path = Path.Combine(dir, $"cut{cut}-{file}");
                File.WriteAllBytes(path, bytes[..(int)cut]);
                var byDetection = Assert.Throws<InvalidDataException>(() => DasFormats.Read(path));
                Assert.Contains(path, byDetection.Message);
                var byName = Assert.Throws<InvalidDataException>(() => DasFormats.Get(format).Read(path));
                Assert.Contains(path, byName.Message);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FileOfNoKnownFormatIsRefused()
    {
        string dir = TestPaths.NewTempDirectory("resif-junk");
        try
        {
            string path = Path.Combine(dir, "junk.bin");
            File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => DasFormats.Detect(path));
            Assert.Contains("no reader recognises", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingFileIsNotFound() =>
        Assert.Throws<FileNotFoundException>(() => DasFormats.Read("/nonexistent/file.h5"));
}
