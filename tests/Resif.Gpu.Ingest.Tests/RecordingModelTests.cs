using Resif.Gpu.Ingest.Internal;

namespace Resif.Gpu.Ingest.Tests;

public class RecordingModelTests
{
    [Fact]
    public void TransposeTurnsTimeMajorRowsIntoChannelRows()
    {
        // 2 times x 3 channels, time-major: t0 = [1 2 3], t1 = [4 5 6].
        float[] channelMajor = SampleConversion.TransposeToFloat(new short[] { 1, 2, 3, 4, 5, 6 }, rows: 2, cols: 3);
        Assert.Equal([1f, 4, 2, 5, 3, 6], channelMajor);
    }

    [Fact]
    public void TiledTransposeMatchesTheDefinitionAcrossTileEdges()
    {
        const int rows = 130, cols = 67;
        int[] source = Enumerable.Range(0, rows * cols).ToArray();
        float[] result = SampleConversion.TransposeToFloat(source, rows, cols);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                Assert.Equal(source[r * cols + c], result[c * rows + r]);
    }

    [Fact]
    public void InfoBecomesACoreChannelTimeLayout()
    {
        var info = DasFormats.Get("PRODML").Scan(Expected.PathOf("prodml_2.0.h5"));
        var layout = info.ToLayout();
        Assert.Equal(["channel", "time"], layout.Dims);
        Assert.Equal([512L, 2500L], layout.Shape);
        Assert.Equal(info.TimeOrigin, layout.Coord("time").Origin);
        Assert.Equal(info.Distance.Step, layout.Coord("channel").Step);
        Assert.Equal("(nm/m)/s * Hz/m", layout.Units);
    }

    [Fact]
    public void BlockStartTimeIsShiftedByWholeSamples()
    {
        var block = DasFormats.Get("PRODML").ReadTimeBlock(Expected.PathOf("prodml_2.0.h5"), 200, 10);
        // 200 samples at 200 Hz = 1 s after the (epoch placeholder) start.
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), block.StartTime);
        Assert.Equal(10 * 512, block.Data.Length);
    }
}
