using System.Globalization;

namespace Resif.Gpu.Core.Tests.Spectral;

public class BeamTests
{
    private const double Dt = 0.002;

    /// <summary>
    /// x_i(t) = g(t − s0·x_i) with g a random-phase sum of cosines at multiples of 2.5 Hz (2.5–12.5 Hz), so g is
    /// periodic over every 0.4 s window: each shifted copy has the same window power, and by Cauchy–Schwarz the
    /// mean of the copies has the most power exactly when they are aligned, for either beam definition.
    /// </summary>
    private static float[] PlaneWave(int channels, int samples, double dx, double slowness)
    {
        var random = new Random(42);
        var components = Enumerable.Range(1, 5).Select(k => (F: 2.5 * k, Phase: 2 * Math.PI * random.NextDouble())).ToArray();
        var x = new float[channels * samples];
        for (int c = 0; c < channels; c++)
            for (int n = 0; n < samples; n++)
                x[c * samples + n] = (float)components.Sum(k => Math.Cos(2 * Math.PI * k.F * (n * Dt - slowness * c * dx) + k.Phase));
        return x;
    }

    [Theory]
    // Slownesses on the scan grid with whole-sample delays per channel (1 and −2 samples), so the time-domain
    // beam needs no interpolation at the true slowness (interpolation would only lower its power).
    [InlineData("das", 4e-4)]
    [InlineData("freq", 4e-4)]
    [InlineData("das", -8e-4)]
    [InlineData("freq", -8e-4)]
    public void Scan_peaks_at_the_slowness_of_a_plane_wave(string method, double slowness)
    {
        const int channels = 48, samples = 2000;
        const double dx = 5; // 235 m aperture: a resolution near 5e-4 s/m at these frequencies
        var result = SpectralTestData.Run($"beam:smin=-1e-3,smax=1e-3,ns=41,window=0.4,method={method}",
            SpectralTestData.Layout(channels, samples, dx, Dt), PlaneWave(channels, samples, dx, slowness));
        Assert.Equal(["slowness", "window"], result.Layout.Dims);
        Assert.Equal([41L, 10L], result.Layout.Shape); // 4 s of data in 0.4 s windows
        var slownessAxis = result.Layout.Coords[0];
        Assert.Equal(5e-5, slownessAxis.Step, 12);
        // Interior windows only: in the first and last ones the delayed traces run off the record (zeros).
        for (int w = 1; w < 9; w++)
        {
            int best = Enumerable.Range(0, 41).MaxBy(s => result.Values[s * 10 + w]);
            Assert.Equal(slowness, slownessAxis.ValueAt(best), 9);
        }
    }

    [Theory]
    [InlineData("das", false)]
    [InlineData("freq", false)]
    [InlineData("das", true)]
    [InlineData("freq", true)]
    public void Power_matches_a_numpy_beamformer(string method, bool irregular)
    {
        const int channels = 9, samples = 333, window = 50, ns = 7;
        const double smin = -2e-3, smax = 1e-3;
        var x = SpectralTestData.Random(channels * samples, 99);
        var layout = SpectralTestData.Layout(channels, samples, 3, Dt);
        double[] positions = irregular ? [0, 2.5, 7, 9, 14.5, 15, 21, 22, 30] : Enumerable.Range(0, channels).Select(i => 3.0 * i).ToArray();
        if (irregular) layout = layout with { Coords = [layout.Coords[0] with { Values = positions }, layout.Coords[1]] };
        string offsets = string.Join(", ", positions.Select(p => p.ToString("R", CultureInfo.InvariantCulture)));
        // Definitions of the kernel contract written with NumPy: zero-extended linear interpolation (das) or
        // per-window phase shifts with signed fftfreq and Parseval power (freq).
        string script = $$"""
            off = np.array([{{offsets}}])
            slow = np.linspace({{smin}}, {{smax}}, {{ns}})
            C, N, W, dt = x.shape[0], x.shape[1], {{window}}, {{Dt}}
            nw = N // W
            y = np.zeros((len(slow), nw))
            for si, s in enumerate(slow):
                if '{{method}}' == 'das':
                    b = np.zeros(N)
                    grid = np.arange(-1, N + 1)
                    for c in range(C):
                        b += np.interp(np.arange(N) + s * off[c] / dt, grid, np.concatenate([[0], x[c], [0]]))
                    b /= C
                    y[si] = np.mean(b[:nw * W].reshape(nw, W) ** 2, axis=1)
                else:
                    f = np.fft.fftfreq(W, dt)
                    for w in range(nw):
                        X = np.fft.fft(x[:, w * W:(w + 1) * W], axis=1)
                        B = np.mean(X * np.exp(2j * np.pi * f[None, :] * s * off[:, None]), axis=0)
                        y[si, w] = np.sum(np.abs(B) ** 2) / W ** 2
            """;
        var expected = SpectralTestData.Numpy(x, [channels, samples], script);
        var result = SpectralTestData.Run($"beam:smin={smin},smax={smax},ns={ns},window={window * Dt},method={method}", layout, x);
        // Both sides in float64; only float32 output rounding differs.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-6);
    }

    [Theory]
    [InlineData("beam:smin=1e-3,smax=-1e-3,window=0.1", "operations[0].smax")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,ns=1,window=0.1", "operations[0].ns")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,ns=0,window=0.1", "operations[0].ns")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=10", "operations[0].window")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,method=music", "operations[0].method")]
    [InlineData("beam:smax=1e-3,window=0.1", "operations[0].smin")]
    public void Bad_scans_name_the_field(string spec, string field)
    {
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create(spec).Plan(SpectralTestData.Layout(4, 500, 1, Dt)));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Refuses_channels_without_positions()
    {
        var error = Assert.Throws<InvalidRequestException>(() =>
            SpectralTestData.Create("beam:smin=-1e-3,smax=1e-3,window=0.1").Plan(SpectralTestData.Layout(4, 500, 1, Dt, distanceUnits: "")));
        Assert.Equal("array", error.Field);
    }
}
