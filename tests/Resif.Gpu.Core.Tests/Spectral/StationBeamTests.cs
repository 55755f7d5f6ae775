using System.Globalization;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Spectral;

public class StationBeamTests
{
    private static double[][] ReadCsv(string name) => File.ReadLines(TestPaths.ConformanceFile("obspy-array", name)).Skip(1)
        .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    private static string Join(IEnumerable<double> values) => string.Join(';', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private const int Stations = 7, Samples = 400; // stime = t0, etime = t0 + 4 s at 100 Hz

    private static float[] Traces()
    {
        var traces = ReadCsv("traces_lowpassed.csv");
        var data = new float[Stations * Samples];
        for (int i = 0; i < Stations; i++)
            for (int n = 0; n < Samples; n++) data[i * Samples + n] = (float)traces[n][i];
        return data;
    }

    private static Block Run(string method, bool prewhiten, float[] data)
    {
        var geometry = ReadCsv("geometry_km.csv");
        var layout = new TensorLayout(["station", "time"], [Stations, Samples],
            [new Coordinate("station", "", Stations, 0, 1), new Coordinate("time", "s", Samples, 0, 0.01)], "m/s");
        string spec = $"arraybeam:x_km={Join(geometry.Select(g => g[0]))},y_km={Join(geometry.Select(g => g[1]))}," +
            $"win_len=2.0,win_frac=0.2,sll_x=-3,slm_x=3,sll_y=-3,slm_y=3,sl_s=0.1,frqlow=1.0,frqhigh=8.0,prewhiten={prewhiten},method={method}";
        return SpectralTestData.Run(spec, layout, data);
    }

    // obspy-array/README.md: ObsPy's test_sonic tables, compared like upstream (numpy allclose, relative). Bartlett
    // keeps upstream's tolerances. Capon pseudo-inverts nearly singular matrices, so the float32 rounding of the
    // input alone moves its powers by up to 0.8 % (checked with a NumPy port fed float64 vs float32-rounded traces),
    // hence 1e-2 on the power columns; the grid pick (back-azimuth, slowness) must still be exact.
    [Theory]
    [InlineData("bf", false, "expected_bf.csv", 1e-6)]
    [InlineData("bf", true, "expected_bf_prewhiten.csv", 1e-5)]
    [InlineData("capon", false, "expected_capon.csv", 1e-2)]
    [InlineData("capon", true, "expected_capon_prewhiten.csv", 1e-2)]
    public void Matches_obspy_array_processing(string method, bool prewhiten, string expectedFile, double powerRtol)
    {
        var result = Run(method, prewhiten, Traces());
        var expected = ReadCsv(expectedFile);
        Assert.Equal([4L, expected.Length], result.Layout.Shape);
        Assert.Equal(["relpow", "abspow", "baz_deg", "slowness_s_per_km"], result.Layout.Coords[0].Labels);
        Assert.Equal(0.4, result.Layout.Coords[1].Step, 12);
        for (int w = 0; w < expected.Length; w++)
        {
            for (int q = 0; q < 4; q++)
            {
                double actual = result.Values[q * expected.Length + w], want = expected[w][q], rtol = q < 2 ? powerRtol : 1e-6;
                Assert.True(Math.Abs(actual - want) <= 1e-8 + rtol * Math.Abs(want), $"window {w}, column {q}: {actual} vs {want}");
            }
        }
    }

    // The README's algorithm written with NumPy (numpy.linalg.pinv, not our Jacobi) on exactly the float32 traces
    // we process: isolates the implementation from the input rounding. Float64 on both sides, float32 outputs.
    [Theory]
    [InlineData("capon", false)]
    [InlineData("capon", true)]
    [InlineData("bf", true)]
    public void Matches_a_numpy_port_on_the_same_float32_input(string method, bool prewhiten)
    {
        var data = Traces();
        var geometry = ReadCsv("geometry_km.csv");
        string script = $$"""
            geo = np.array([[{{Join(geometry.Select(g => g[0])).Replace(';', ',')}}], [{{Join(geometry.Select(g => g[1])).Replace(';', ',')}}]]).T
            geo -= geo.mean(axis=0)
            fs, nsamp, nstep, nfft = 100.0, 200, 40, 256
            deltaf = fs / nfft
            nlow, nhigh = max(1, int(1.0 / deltaf + 0.5)), min(nfft // 2 - 1, int(8.0 / deltaf + 0.5))
            nf, nst = nhigh - nlow + 1, x.shape[0]
            grid = -3 + np.arange(61) * 0.1
            tau = (geo[:, 0, None, None] * grid[None, :, None] + geo[:, 1, None, None] * grid[None, None, :]).astype(np.float32)
            f = (nlow + np.arange(nf)) * np.float64(np.float32(deltaf))
            steer = np.exp(-2j * np.pi * f[:, None, None, None] * tau.astype(np.float64)[None])
            frac = int(nsamp * 0.22 / 2 + 0.5)
            taper = np.ones(nsamp); ramp = 0.5 * (1 - np.cos(np.pi * np.arange(frac) / (frac - 1)))
            taper[:frac] = ramp; taper[nsamp - frac:] = ramp[::-1]
            rows = []
            for w in range((x.shape[1] - nsamp) // nstep + 1):
                d = x[:, w * nstep:w * nstep + nsamp]
                d = (d - d.mean(axis=1, keepdims=True)) * taper
                ft = np.fft.rfft(d, nfft, axis=1)[:, nlow:nlow + nf]
                R = np.einsum('in,jn->nij', ft, ft.conj())
                dpow = nst * np.sum(np.abs(np.einsum('nii->i', R)))
                if '{{method}}' == 'capon':
                    R = R / np.abs(R.sum(axis=0))[None]
                    R = np.array([np.linalg.pinv(r, rcond=1e-6) for r in R])
                    dpow = 1.0
                P = np.abs(np.einsum('nixy,nij,njxy->nxy', steer.conj(), R, steer))
                if '{{method}}' == 'capon':
                    P = 1 / P
                ab = P.sum(axis=0)
                rel = (P / (P.max(axis=(1, 2), keepdims=True) * nf * nst)).sum(axis=0) if {{(prewhiten ? "True" : "False")}} else ab / dpow
                ix, iy = np.unravel_index(rel.argmax(), rel.shape)
                sx, sy = grid[ix], grid[iy]
                rows.append([rel[ix, iy], ab[ix, iy], np.degrees(np.arctan2(sx, sy)) % -360 + 180, max(np.hypot(sx, sy), 1e-8)])
            y = np.array(rows).T
            """;
        var expected = SpectralTestData.Numpy(data, [Stations, Samples], script);
        var result = Run(method, prewhiten, data);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(result.Values[i] - expected[i]) <= 1e-5 * Math.Abs(expected[i]), $"value {i}: {result.Values[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData("x_km=0;1;2,y_km=0;1;2", "operations[0].x_km")] // 3 positions for 4 channels
    [InlineData("x_km=0;1;2;3,y_km=0;1;2", "operations[0].y_km")]
    [InlineData("x_km=0;1;a;3,y_km=0;1;2;3", "operations[0].x_km")]
    [InlineData("x_km=0;1;2;3,y_km=0;1;2;3,sl_s=0", "operations[0].sl_s")]
    [InlineData("x_km=0;1;2;3,y_km=0;1;2;3,slm_x=-4", "operations[0].slm_x")]
    [InlineData("x_km=0;1;2;3,y_km=0;1;2;3,win_len=100", "operations[0].win_len")]
    [InlineData("x_km=0;1;2;3,y_km=0;1;2;3,frqlow=9", "operations[0].frqhigh")]
    public void Bad_parameters_name_the_field(string given, string field)
    {
        var parameters = new Dictionary<string, string>
        {
            ["win_len"] = "1", ["sll_x"] = "-3", ["slm_x"] = "3", ["sll_y"] = "-3", ["slm_y"] = "3", ["sl_s"] = "0.1", ["frqlow"] = "1", ["frqhigh"] = "8",
        };
        foreach (var pair in given.Split(',')) parameters[pair.Split('=')[0]] = pair.Split('=')[1];
        var layout = SpectralTestData.Layout(4, 500, 1, 0.01);
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create(
            "arraybeam:" + string.Join(',', parameters.Select(p => $"{p.Key}={p.Value}"))).Plan(layout));
        Assert.Equal(field, error.Field);
    }
}
