using Resif.Gpu.Cli.Internal.Plotting;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

public sealed class SyntheticAndPlotTests
{
    [Theory]
    [InlineData(1500.0)]
    [InlineData(-3000.0)]
    public void Plane_wave_peaks_arrive_with_the_stated_apparent_velocity(double velocity)
    {
        var scene = SyntheticScenes.PlaneWave(velocity);
        var data = scene.Generate();
        int samples = (int)scene.Samples;
        var wave = (PlaneWave)scene.Signals[0];
        for (int channel = 0; channel < scene.Channels; channel += 9)
        {
            // Arrival from the definition (mod the period), compared with where the Ricker peak actually is.
            double arrival = wave.FirstArrival + channel * scene.ChannelSpacing / velocity;
            arrival -= Math.Floor(arrival / wave.Period) * wave.Period;
            var row = data.AsSpan(channel * samples, (int)(wave.Period * scene.SamplingRate));
            int peak = row.IndexOf(row.ToArray().Max());
            Assert.InRange(peak * scene.TimeStep, arrival - scene.TimeStep, arrival + scene.TimeStep);
        }
    }

    [Fact]
    public void Sine_scene_has_one_spectral_line_at_its_frequency()
    {
        var scene = SyntheticScenes.Sine(37.5, channels: 2, seconds: 2, samplingRate: 1000);
        // NumPy's FFT as the independent reference: the strongest bin of every channel is the stated frequency.
        var peaks = Python.Apply(scene.Generate(), [scene.Channels, scene.Samples],
            "y = np.fft.rfftfreq(x.shape[1], 1e-3)[np.argmax(np.abs(np.fft.rfft(x, axis=1)), axis=1)]");
        Assert.Equal([37.5f, 37.5f], peaks);
    }

    [Fact]
    public void Any_block_of_a_scene_equals_the_same_part_of_the_whole()
    {
        var scene = SyntheticScenes.Demo(channels: 12, seconds: 2, samplingRate: 200);
        var whole = scene.Generate();
        var block = new float[5 * 70];
        scene.Fill(3, 5, 100, 70, block);
        for (int c = 0; c < 5; c++) Assert.Equal(whole.AsSpan((3 + c) * 400 + 100, 70).ToArray(), block.AsSpan(c * 70, 70).ToArray());
    }

    [Fact]
    public void The_local_event_has_a_hyperbolic_moveout_centred_on_its_source()
    {
        var scene = SyntheticScenes.Demo();
        var quake = scene.Signals.OfType<PointSourceEvent>().Single();
        Assert.Equal(quake.OriginTime + quake.Depth / quake.Velocity, quake.ArrivalAt(quake.SourcePosition), 12);
        Assert.Equal(quake.ArrivalAt(quake.SourcePosition - 400), quake.ArrivalAt(quake.SourcePosition + 400), 12);
    }

    [Fact]
    public void Waterfall_png_is_valid_and_decodes_to_the_expected_colours()
    {
        // 3 channels x 4000 samples: a positive spike on channel 0, negative on channel 2, zero on channel 1.
        var data = new float[3 * 4000];
        data[1234] = 5;
        data[2 * 4000 + 3999] = -5;
        for (int i = 0; i < data.Length; i += 97) data[i] += 0.01f;
        var time = new PlotAxis("time (s)", 4000, i => i * 0.001);
        var channel = new PlotAxis("channel", 3, i => i);
        byte[] png = Waterfall.Render(3, 4000, Waterfall.InMemory(data, 4000), time, channel, "test", "strain", nonNegative: false);
        // 4000 samples bin to 1100 columns drawn 1:1; 3 rows are stretched to the 300-pixel minimum plot height.
        int X(int sample) => Chart.LeftMargin + sample * Waterfall.MaxWidth / 4000;
        int Y(int row) => Chart.TopMargin + row * 100 + 50;
        string dir = TestPaths.NewTempDirectory("resif-png");
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "w.png"), png);
            // Decoded independently with zlib and the CRC of Python's standard library.
            string output = Python.Run(
                "import zlib, struct\n" +
                "b = open('w.png','rb').read()\n" +
                "assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n" +
                "pos, idat = 8, b''\n" +
                "while pos < len(b):\n" +
                "    n, = struct.unpack('>I', b[pos:pos+4]); kind = b[pos+4:pos+8]; body = b[pos+8:pos+8+n]\n" +
                "    assert struct.unpack('>I', b[pos+8+n:pos+12+n])[0] == zlib.crc32(kind + body), kind\n" +
                "    if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])\n" +
                "    if kind == b'IDAT': idat += body\n" +
                "    pos += 12 + n\n" +
                "raw = zlib.decompress(idat)\n" +
                "rows = [raw[y*(3*w+1)+1:(y+1)*(3*w+1)] for y in range(h)]\n" +
                "px = lambda x, y: tuple(rows[y][3*x:3*x+3])\n" +
                $"print(w, h, depth, ctype, px({X(1234)}, {Y(0)}), px({X(3999)}, {Y(2)}), px({X(20)}, {Y(1)}))\n", dir);
            // Plot area plus margins for axes and colour bar; +5 saturates to red, -5 to blue, zero is white.
            int width = Waterfall.MaxWidth + Chart.LeftMargin + Chart.RightMargin, height = 300 + Chart.TopMargin + Chart.BottomMargin;
            Assert.Equal($"{width} {height} 8 2 (178, 5, 38) (5, 48, 163) (255, 255, 255)", output.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
