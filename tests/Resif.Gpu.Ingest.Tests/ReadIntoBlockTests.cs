namespace Resif.Gpu.Ingest.Tests;

/// <summary>
/// <see cref="IDasFormatReader.ReadTimeBlockInto"/> places a file's samples inside a larger [channel, time] block
/// (what an ingest does with each file): the values are those <see cref="IDasFormatReader.Read"/> returns (checked
/// against the conformance metadata elsewhere), each channel row at its stride and offset, nothing else touched.
/// </summary>
public class ReadIntoBlockTests
{
    public static TheoryData<string> Files => new()
    {
        "prodml_2.0.h5", "iDAS005_hdf5_example.626.h5", "iDAS005_tdms_example.626.tdms", "terra15_v5_test_file.hdf5",
        "ap_sensing_1.hdf5", "small_channel_patch.sgy", "xdas_netcdf.nc", "h5_simple_1.h5",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Samples_land_at_their_stride_and_offset_and_nothing_else_changes(string file)
    {
        string path = Expected.PathOf(file);
        var reader = DasFormats.Detect(path);
        var info = reader.Scan(path);
        var whole = reader.Read(path);
        long start = info.Samples / 3, count = Math.Max(1, info.Samples / 4), offset = 5, stride = count + 11;
        var block = new float[info.Channels * stride];
        const float Untouched = -12345.5f;
        Array.Fill(block, Untouched);

        reader.ReadTimeBlockInto(info, start, count, block, stride, offset);

        for (int c = 0; c < info.Channels; c++)
        {
            for (long i = 0; i < stride; i++)
            {
                float expected = i >= offset && i < offset + count ? whole.Data[c * info.Samples + start + i - offset] : Untouched;
                // Both paths convert the same stored numbers to float32 exactly: bit-identical (NaN included).
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(block[c * stride + i]));
            }
        }
    }

    [Fact]
    public void A_block_that_does_not_fit_the_destination_is_refused()
    {
        string path = Expected.PathOf("prodml_2.0.h5");
        var reader = DasFormats.Detect(path);
        var info = reader.Scan(path);
        Assert.Throws<ArgumentException>(() => reader.ReadTimeBlockInto(info, 0, 100, new float[info.Channels * 100], stride: 100, offset: 1));
        Assert.Equal("count", Assert.Throws<Core.InvalidRequestException>(() => reader.ReadTimeBlockInto(info, 0, info.Samples + 1, new float[1], 1, 0)).Field);
    }
}
