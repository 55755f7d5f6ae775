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
        // das: both sides in float64, only float32 output rounding differs. freq: float32 spectra and steering
        // products (~1e-7 per term) over 9 channels and 26 bins stay well under 1e-6 of the peak here.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-6);
    }

    [Theory]
    // Even window with the Nyquist bin in the band (weight 1), odd window with DC in the band (weight 1); 7 windows
    // and 11 slownesses leave remainders after every 4-window and 8-slowness block of the kernel.
    [InlineData(64, 20.0, 250.0)]
    [InlineData(63, 0.0, 100.0)]
    // Every bin of a long window: 1001 bins, phases up to ~2000 cycles, many steering re-anchorings.
    [InlineData(2000, 0.0, 0.0)]
    // The bench's shape: a 10000-sample window, a narrow band.
    [InlineData(10000, 1.0, 40.0)]
    public void Band_limited_power_matches_a_two_sided_numpy_sum(int window, double fmin, double fmax)
    {
        // 21 channels: one whole 16-channel spectra batch and a partial one (3 + 2 rows).
        const int channels = 21, ns = 11;
        const double smin = -2e-3, smax = 2e-3, dx = 40;
        int samples = window * 7 + 5;
        var x = SpectralTestData.Random(channels * samples, 5);
        string fmaxText = fmax.ToString("R", CultureInfo.InvariantCulture), fminText = fmin.ToString("R", CultureInfo.InvariantCulture);
        // The contract's definition, both signs of f (numpy fftfreq), without the kernel's one-sided shortcut.
        string script = TwoSidedBeamScript($"np.linspace({smin}, {smax}, {ns})", dx, window, fminText, $"({fmaxText} if {fmaxText} > 0 else np.inf)");
        var expected = SpectralTestData.Numpy(x, [channels, samples], script);
        var result = SpectralTestData.Run($"beam:smin={smin},smax={smax},ns={ns},window={window * Dt},method=freq,fmin={fminText},fmax={fmaxText}",
            SpectralTestData.Layout(channels, samples, dx, Dt), x);
        Assert.Equal([(long)ns, 7L], result.Layout.Shape);
        // float32 spectra, steering rotations (re-anchored in float64 every 16 bins) and products: ~1e-6 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 1e-5);
    }

    /// <summary>
    /// The kernel steers mirrored slownesses s and −s with one lane (conjugate steering): an unsorted grid with
    /// rounding-level mirrors (a computed linspace), exact mirrors, duplicates, a second zero and slownesses without a
    /// mirror must still give every row its own beam. Rows start as NaN so that a row left unwritten fails.
    /// </summary>
    [Fact]
    public void Mirrored_and_unpaired_slownesses_each_get_their_own_beam()
    {
        // 21 channels: one 16-channel group and 5 left over, whose batches hold windows as lanes (8, then 2 of 10).
        const int channels = 21, window = 200, windows = 10, samples = windows * window + 7;
        const double dx = 25, fmin = 5, fmax = 120;
        var grid = Enumerable.Range(0, 41).Select(i => -2e-3 + 4e-3 * i / 40);
        double[] extras = [0.0, 7.3e-4, -1.9e-3, 1.5e-3, 1.5e-3, -6e-4];
        var random = new Random(3);
        double[] slownesses = [.. grid.Concat(extras).OrderBy(_ => random.Next())];
        double[] offsets = [.. Enumerable.Range(0, channels).Select(c => c * dx)];
        var x = SpectralTestData.Random(channels * samples, 11);
        var power = Enumerable.Repeat(float.NaN, slownesses.Length * windows).ToArray();
        new CpuBackend().Spectral.SlownessBeam(x, channels, samples, offsets, Dt, slownesses, window, frequencyDomain: true, power, fmin, fmax);
        string slow = string.Join(", ", slownesses.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
        // The contract's two-sided definition, each slowness steered on its own in float64.
        string script = TwoSidedBeamScript($"np.array([{slow}])", dx, window, fmin.ToString("R", CultureInfo.InvariantCulture), fmax.ToString("R", CultureInfo.InvariantCulture));
        var expected = SpectralTestData.Numpy(x, [channels, samples], script);
        // float32 spectra and steering over 21 channels and 47 bins: ~1e-6 of the peak, as the band-limited test.
        Assert.True(SpectralTestData.RelativeMaxError(power, expected) < 1e-5);
    }

    [Theory]
    [InlineData("beam:smin=1e-3,smax=-1e-3,window=0.1", "operations[0].smax")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,ns=1,window=0.1", "operations[0].ns")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,ns=0,window=0.1", "operations[0].ns")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=10", "operations[0].window")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,method=music", "operations[0].method")]
    [InlineData("beam:smax=1e-3,window=0.1", "operations[0].smin")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,fmin=5", "operations[0].fmin")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,method=freq,fmin=-1", "operations[0].fmin")]
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,method=freq,fmin=20,fmax=10", "operations[0].fmax")]
    // 0.1 s windows hold bins 10 Hz apart: none lies in [11, 19] Hz.
    [InlineData("beam:smin=-1e-3,smax=1e-3,window=0.1,method=freq,fmin=11,fmax=19", "operations[0].fmax")]
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

    /// <summary>
    /// NumPy float64 reference of the frequency-domain beam (the contract's two-sided sum over |f| in [fmin, fmax]):
    /// y[slowness, window] = Σ_kept |mean_channels X·e^{2πi f s x}|² / W².
    /// </summary>
    private static string TwoSidedBeamScript(string slownesses, double dx, int window, string fmin, string fmax) => $$"""
        slow = {{slownesses}}
        off = np.arange(x.shape[0]) * {{dx.ToString("R", CultureInfo.InvariantCulture)}}
        W, dt = {{window}}, {{Dt.ToString("R", CultureInfo.InvariantCulture)}}
        nw = x.shape[1] // W
        f = np.fft.fftfreq(W, dt)
        keep = (np.abs(f) >= {{fmin}}) & (np.abs(f) <= {{fmax}})
        y = np.zeros((len(slow), nw))
        for w in range(nw):
            X = np.fft.fft(x[:, w * W:(w + 1) * W].astype(np.float64), axis=1)
            for si, s in enumerate(slow):
                B = np.mean(X * np.exp(2j * np.pi * f[None, :] * s * off[:, None]), axis=0)
                y[si, w] = np.sum(np.abs(B[keep]) ** 2) / W ** 2
        """;
}
