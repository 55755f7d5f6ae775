namespace Resif.Gpu.Core.Tests.Spectral;

public class FkFilterTests
{
    // fk-synthetic/README.md: the 2000 m/s plane wave (slope −2000) passes [1500, 1800, 2500, 3000] unchanged
    // and is removed by [100, 200, 500, 800]. Float32 data through two float32-stored 2-D transforms: 1e-5 of the
    // unit amplitude is the float32 floor with margin (the README's 1e-12 is for float64).
    [Theory]
    [InlineData("va=1500,vb=1800,vc=2500,vd=3000", true)]
    [InlineData("va=100,vb=200,vc=500,vd=800", false)]
    [InlineData("va=1500,vb=1800,vc=2500,vd=3000,directional=true", false)]
    [InlineData("va=-3000,vb=-2500,vc=-1800,vd=-1500,directional=true", true)]
    [InlineData("va=1500,vb=1800,vc=2500,vd=3000,invert=true", false)]
    [InlineData("va=100,vb=200,vc=500,vd=800,invert=true", true)]
    public void Plane_wave_passes_or_is_removed(string corners, bool passes)
    {
        var input = FkTests.PlaneWave();
        var result = SpectralTestData.Run($"fkfilter:{corners}", FkTests.PlaneWaveLayout, (float[])input.Clone());
        var expected = passes ? input : new float[input.Length];
        double maxError = 0;
        for (int i = 0; i < input.Length; i++) maxError = Math.Max(maxError, Math.Abs(result.Values[i] - expected[i]));
        Assert.True(maxError < 1e-5, $"max error {maxError}");
    }

    // pad=true (DASCore's default): the transforms run on the array zero-padded to scipy.fft.next_fast_len on both
    // axes (41 -> 42, 17 -> 18), the mask on that grid, and the result is cropped back, as DASCore's dft/idft do.
    [Theory]
    [InlineData(16, 50, false, false, false)]
    [InlineData(15, 63, true, false, false)]
    [InlineData(20, 41, false, true, false)]
    [InlineData(17, 41, false, false, true)]
    [InlineData(20, 41, true, true, true)]
    public void Random_data_matches_a_numpy_slope_filter(int channels, int samples, bool directional, bool invert, bool pad)
    {
        const double dx = 5, dt = 0.004;
        var x = SpectralTestData.Random(channels * samples, channels + samples);
        // The README's definition written with NumPy (unshifted bins; fftshift would only permute them).
        string script = $"""
            from scipy.fft import next_fast_len
            n = (next_fast_len({channels}), next_fast_len({samples})) if {(pad ? "True" : "False")} else ({channels}, {samples})
            k = np.fft.fftfreq(n[0], {dx})[:, None] + 2.2e-16
            f = np.fft.fftfreq(n[1], {dt})[None, :]
            s = f / k
            s = s if {(directional ? "True" : "False")} else np.abs(s)
            va, vb, vc, vd = 300.0, 600.0, 1500.0, 2500.0
            w = np.zeros_like(s)
            w = np.where((s >= va) & (s < vb), np.sin(np.pi / 2 * (s - va) / (vb - va)), w)
            w = np.where((s >= vb) & (s <= vc), 1.0, w)
            w = np.where((s > vc) & (s <= vd), 1 - np.sin(np.pi / 2 * (s - vc) / (vd - vc)), w)
            w = 1 - w if {(invert ? "True" : "False")} else w
            y = np.real(np.fft.ifft2(np.fft.fft2(x, s=n) * w))[:{channels}, :{samples}]
            """;
        var expected = SpectralTestData.Numpy(x, [channels, samples], script);
        var result = SpectralTestData.Run($"fkfilter:va=300,vb=600,vc=1500,vd=2500,directional={directional},invert={invert},pad={pad}",
            SpectralTestData.Layout(channels, samples, dx, dt), x);
        // Float32 storage between four 1-D transform passes: a few 1e-7 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 5e-6);
    }

    [Theory]
    [InlineData("va=200,vb=100,vc=500,vd=800", "operations[0].vb")]
    [InlineData("va=100,vb=200,vc=200,vd=800", "operations[0].vc")]
    [InlineData("va=100,vb=200,vc=500,vd=400", "operations[0].vd")]
    [InlineData("vb=200,vc=500,vd=800", "operations[0].va")]
    public void Unordered_or_missing_velocities_name_the_field(string corners, string field)
    {
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create($"fkfilter:{corners}"));
        Assert.Equal(field, error.Field);
    }
}
