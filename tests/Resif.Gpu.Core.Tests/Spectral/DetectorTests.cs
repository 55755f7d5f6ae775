using System.Globalization;
using System.IO.Compression;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Spectral;

public class DetectorTests
{
    private static float[] ReadColumn(string path, bool gzip)
    {
        using var file = File.OpenRead(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        var values = new List<float>();
        while (reader.ReadLine() is { } line)
        {
            if (double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) values.Add((float)v);
        }
        return values.ToArray();
    }

    // obspy-stalta/README.md: upstream values at indices 99..102 for nsta = 5, nlta = 10 (1 Hz data, so 5 s and 10 s).
    [Theory]
    [InlineData("recursive", new[] { 0.80810165, 0.75939449, 0.91763978, 0.97465004 })]
    [InlineData("classic", new[] { 0.38012302, 0.37704431, 0.47674533, 0.67992292 })]
    public void StaLta_matches_obspy_upstream_values(string type, double[] expected)
    {
        var x = ReadColumn(TestPaths.ConformanceFile("obspy-stalta", "randn_seed815_first1000.csv"), gzip: false);
        Assert.Equal(1000, x.Length);
        var result = SpectralTestData.Run($"stalta:sta=5,lta=10,type={type}", SpectralTestData.Layout(1, x.Length, 1, 1.0), x);
        // Upstream checks 7 decimals in float64; our float32 input and output add up to ~1e-7 relative, so 1e-6.
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result.Values[99 + i], 1e-6);
    }

    [Theory]
    [InlineData("classic", 300, 0.05, 0.4)]
    [InlineData("recursive", 301, 0.05, 0.4)]
    [InlineData("classic", 1001, 0.29, 2.0)]
    public void StaLta_matches_numpy_port_of_obspy_on_random_rows(string type, int samples, double sta, double lta)
    {
        const int rows = 3;
        const double dt = 0.01;
        var x = SpectralTestData.Random(rows * samples, samples);
        // ObsPy definitions (README) written with NumPy; windows = whole samples, tolerant to decimal rounding (0.29 s -> 29).
        string script = $"""
            nsta, nlta = int(round({sta} / {dt}, 9)), int(round({lta} / {dt}, 9))
            def classic(a):
                s = np.cumsum(a ** 2)
                sta = s.copy(); sta[nsta:] = s[nsta:] - s[:-nsta]; sta /= nsta
                lta = s.copy(); lta[nlta:] = s[nlta:] - s[:-nlta]; lta /= nlta
                sta[:nlta - 1] = 0
                lta[lta < np.finfo(0.0).tiny] = np.finfo(0.0).tiny
                return sta / lta
            def recursive(a):
                cf = np.zeros_like(a); sta = lta = 0.0
                for i in range(1, len(a)):
                    sta = a[i] ** 2 / nsta + (1 - 1 / nsta) * sta
                    lta = a[i] ** 2 / nlta + (1 - 1 / nlta) * lta
                    cf[i] = sta / lta
                cf[:nlta] = 0
                return cf
            y = np.array([{type}(row) for row in x])
            """;
        var expected = SpectralTestData.Numpy(x, [rows, samples], script);
        var result = SpectralTestData.Run($"stalta:sta={sta},lta={lta},type={type}", SpectralTestData.Layout(rows, samples, 1, dt), x);
        // float64 on both sides; the only difference is float32 output rounding (and cumsum vs running sums).
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-6);
    }

    [Theory]
    [InlineData("stalta:sta=2,lta=1", "operations[0].lta")]
    [InlineData("stalta:sta=0.001,lta=1", "operations[0].sta")]
    [InlineData("stalta:sta=1,lta=100", "operations[0].lta")]
    [InlineData("rms:window=100", "operations[0].window")]
    [InlineData("rms:window=0.001", "operations[0].window")]
    public void Windows_that_do_not_fit_the_data_name_the_field(string spec, string field)
    {
        var layout = SpectralTestData.Layout(2, 500, 1, 0.01); // 5 s at 100 Hz
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create(spec).Plan(layout));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Envelope_matches_pitsa_reference()
    {
        var x = ReadColumn(TestPaths.ConformanceFile("obspy-filter", "rjob_20051006.gz"), gzip: true);
        var reference = ReadColumn(TestPaths.ConformanceFile("obspy-filter", "rjob_20051006_envelope.gz"), gzip: true);
        Assert.Equal(1750, x.Length);
        var result = SpectralTestData.Run("envelope", SpectralTestData.Layout(1, x.Length, 1, 1 / 200.0), x);
        double misfit = 0, norm = 0;
        for (int i = 0; i < x.Length; i++)
        {
            misfit += Math.Pow(result.Values[i] - reference[i], 2);
            norm += Math.Pow(reference[i], 2);
        }
        // Upstream threshold for PITSA's envelope (README: 9.5e-3 is what SciPy reaches).
        Assert.True(Math.Sqrt(misfit / norm) < 1e-2, $"misfit {Math.Sqrt(misfit / norm)}");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(101)]
    [InlineData(1000)]
    public void Envelope_matches_scipy_hilbert(int samples)
    {
        var x = SpectralTestData.Random(2 * samples, samples + 5);
        var expected = SpectralTestData.Numpy(x, [2, samples], "y = np.abs(signal.hilbert(x, axis=-1))");
        var result = SpectralTestData.Run("envelope", SpectralTestData.Layout(2, samples, 1, 0.01), x);
        // float64 FFTs on both sides, float32 output: 1e-6 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-6);
    }

    [Theory]
    [InlineData(1000, 0.5)]
    [InlineData(999, 0.07)]
    public void Rms_gives_one_value_per_window_like_numpy(int samples, double window)
    {
        const double dt = 0.01;
        var x = SpectralTestData.Random(3 * samples, samples);
        long w = (long)Math.Round(window / dt), count = samples / w;
        var expected = SpectralTestData.Numpy(x, [3, samples],
            $"w = {w}\nn = x.shape[1] // w\ny = np.sqrt(np.mean(x[:, :n * w].reshape(3, n, w) ** 2, axis=-1))");
        var layout = SpectralTestData.Layout(3, samples, 1, dt);
        var result = SpectralTestData.Run($"rms:window={window}", layout with { Coords = [layout.Coords[0], layout.Coords[1] with { Start = 10 }] }, x);
        Assert.Equal([3, count], result.Layout.Shape);
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-6);
        var time = result.Layout.Coords[1];
        Assert.Equal(w * dt, time.Step, 12);
        Assert.Equal(10 + (w - 1) / 2.0 * dt, time.Start, 12); // labelled at the centre of the first window
    }

    [Fact]
    public void Abs_and_normalize_match_numpy()
    {
        const int samples = 257;
        var x = SpectralTestData.Random(4 * samples, 11);
        x.AsSpan(2 * samples, samples).Clear(); // a dead channel stays zero, no division by zero
        var layout = SpectralTestData.Layout(4, samples, 1, 0.01);
        string safe = "d = np.where(d == 0, 1, d)\ny = x / d";
        var expectedAbs = SpectralTestData.Numpy(x, [4, samples], "y = np.abs(x)");
        var expectedMax = SpectralTestData.Numpy(x, [4, samples], "d = np.max(np.abs(x), axis=1, keepdims=True)\n" + safe);
        var expectedStd = SpectralTestData.Numpy(x, [4, samples], "d = np.std(x, axis=1, keepdims=True)\n" + safe);
        Assert.True(SpectralTestData.RelativeMaxError(SpectralTestData.Run("abs", layout, (float[])x.Clone()).Values, expectedAbs) == 0);
        Assert.True(SpectralTestData.RelativeMaxError(SpectralTestData.Run("normalize", layout, (float[])x.Clone()).Values, expectedMax) < 1e-6);
        Assert.True(SpectralTestData.RelativeMaxError(SpectralTestData.Run("normalize:type=std", layout, (float[])x.Clone()).Values, expectedStd) < 1e-6);
    }
}
