using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>`reduce --plot`: every kind of result gives a PNG that an independent decoder (Python's zlib) reads.</summary>
public sealed class CliPlotTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-cli-plot");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Each_result_kind_is_drawn_as_a_decodable_picture_with_axes()
    {
        string store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(store);
        var scene = SyntheticScenes.Demo(channels: 16, seconds: 4, samplingRate: 500);
        await CliRunner.IngestSceneAsync(scene, _dir, store, "d", "--dt", "0.002", "--dx", "4");

        string[][] cases =
        [
            ["raw"],
            ["envelope", "--op", "envelope"],
            ["fk", "--op", "fk"],
            ["beam", "--op", "beam:smin=-0.001,smax=0.001,ns=21,window=0.2"],
            ["stalta", "--op", "stalta:sta=0.05,lta=0.5"],
        ];
        foreach (var c in cases)
        {
            string png = Path.Combine(_dir, c[0] + ".png");
            var run = await CliRunner.RunAsync(["reduce", "d", "--store", store, .. c[1..], "--out", Path.Combine(_dir, c[0] + ".npy"), "--plot", png]);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"wrote {png}", run.Out);
        }

        // Decoded without our code: chunk CRCs, zlib stream, then per picture the count of distinct colours inside the
        // frame (data was drawn: at least white, black axes and one data colour) and of black pixels in the top 30 rows (the title was written).
        string output = Python.Run(
            "import zlib, struct\n" +
            "for name in ['raw', 'envelope', 'fk', 'beam', 'stalta']:\n" +
            "    b = open(name + '.png','rb').read()\n" +
            "    assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n" +
            "    pos, idat = 8, b''\n" +
            "    while pos < len(b):\n" +
            "        n, = struct.unpack('>I', b[pos:pos+4]); kind = b[pos+4:pos+8]; body = b[pos+8:pos+8+n]\n" +
            "        assert struct.unpack('>I', b[pos+8+n:pos+12+n])[0] == zlib.crc32(kind + body), kind\n" +
            "        if kind == b'IHDR': w, h = struct.unpack('>II', body[:8])\n" +
            "        if kind == b'IDAT': idat += body\n" +
            "        pos += 12 + n\n" +
            "    raw = zlib.decompress(idat)\n" +
            "    assert len(raw) == h * (3 * w + 1)\n" +
            "    rows = [raw[y*(3*w+1)+1:(y+1)*(3*w+1)] for y in range(h)]\n" +
            "    px = lambda x, y: tuple(rows[y][3*x:3*x+3])\n" +
            "    inside = set(px(x, y) for y in range(60, h - 60, 3) for x in range(90, w - 120, 3))\n" +
            "    title = sum(px(x, y) == (0, 0, 0) for y in range(30) for x in range(w))\n" +
            "    print(name, w > 600, h > 300, len(inside) >= 3, title > 50)\n", _dir);
        foreach (string name in new[] { "raw", "envelope", "fk", "beam", "stalta" })
        {
            Assert.Contains($"{name} True True True True", output);
        }
    }
}
