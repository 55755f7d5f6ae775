using System.Text.Json;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Spectral;

public class FkTests
{
    private const int Nx = 32, Nt = 128;
    private const double Dx = 4.0, Dt = 0.002;

    /// <summary>The analytic plane wave of fk-synthetic/README.md: cos(2π(f0 t − k0 x)), 2000 m/s toward +x.</summary>
    internal static float[] PlaneWave()
    {
        const double f0 = 62.5, k0 = 1.0 / 32;
        var u = new float[Nx * Nt];
        for (int i = 0; i < Nx; i++)
            for (int j = 0; j < Nt; j++) u[i * Nt + j] = (float)Math.Cos(2 * Math.PI * (f0 * j * Dt - k0 * i * Dx));
        return u;
    }

    internal static TensorLayout PlaneWaveLayout => SpectralTestData.Layout(Nx, Nt, Dx, Dt);

    [Fact]
    public void Plane_wave_matches_dascore_conformance()
    {
        var result = SpectralTestData.Run("fk:output=complex", PlaneWaveLayout, PlaneWave());
        Assert.Equal(["ft_distance", "ft_time"], result.Layout.Dims);
        Assert.Equal(ElementType.Complex64, result.Layout.Type);

        using var json = JsonDocument.Parse(File.ReadAllText(TestPaths.ConformanceFile("fk-synthetic", "fk_plane_wave_expected.json")));
        var full = json.RootElement.GetProperty("dascore_full_fft");
        var peaks = full.GetProperty("peaks").EnumerateArray().ToDictionary(
            p => (p.GetProperty("index")[0].GetInt32(), p.GetProperty("index")[1].GetInt32()),
            p => (Re: p.GetProperty("real").GetDouble(), Im: p.GetProperty("imag").GetDouble(),
                K: p.GetProperty("ft_distance").GetDouble(), F: p.GetProperty("ft_time").GetDouble()));
        Assert.Equal(2, peaks.Count);
        var distance = result.Layout.Coords[0];
        var time = result.Layout.Coords[1];
        var values = result.Values;
        double energy = 0;
        for (int i = 0; i < Nx; i++)
        {
            for (int j = 0; j < Nt; j++)
            {
                double re = values[2 * (i * Nt + j)], im = values[2 * (i * Nt + j) + 1];
                energy += re * re + im * im;
                // Float32 input (cos rounded to ~6e-8) summed over 4096 samples × dx·dt = 0.008 leaves errors
                // near 1e-6 of the 16.384 peaks; 1e-4 absolute is well above that and far below any real mistake.
                var (expectedRe, expectedIm) = peaks.TryGetValue((i, j), out var peak) ? (peak.Re, peak.Im) : (0, 0);
                Assert.True(Math.Abs(re - expectedRe) < 1e-4 && Math.Abs(im - expectedIm) < 1e-4, $"bin ({i}, {j}) = {re} + {im}i");
            }
        }
        foreach (var ((i, j), peak) in peaks)
        {
            Assert.Equal(peak.K, distance.ValueAt(i), 12);
            Assert.Equal(peak.F, time.ValueAt(j), 9);
        }
        var distanceRange = full.GetProperty("ft_distance_range");
        var timeRange = full.GetProperty("ft_time_range");
        Assert.Equal(distanceRange[0].GetDouble(), distance.ValueAt(0), 12);
        Assert.Equal(distanceRange[1].GetDouble(), distance.ValueAt(Nx - 1), 12);
        Assert.Equal(timeRange[0].GetDouble(), time.ValueAt(0), 9);
        Assert.Equal(timeRange[1].GetDouble(), time.ValueAt(Nt - 1), 9);
        // Parseval: Σ|F|²·Δk·Δf, float32 rounding only (relative 1e-6 → 4 decimals of 16.384).
        Assert.Equal(full.GetProperty("parseval_sum_abs2_times_dk_df").GetDouble(), energy * distance.Step * time.Step, 4);
    }

    // DASCore's dft(real="time"): rfft along time (bins 0 .. Nyquist, not shifted), distance full and shifted.
    [Fact]
    public void Real_time_plane_wave_matches_dascore_conformance()
    {
        var result = SpectralTestData.Run("fk:output=complex,real=true", PlaneWaveLayout, PlaneWave());
        using var json = JsonDocument.Parse(File.ReadAllText(TestPaths.ConformanceFile("fk-synthetic", "fk_plane_wave_expected.json")));
        var half = json.RootElement.GetProperty("dascore_real_time");
        Assert.Equal(half.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray(), result.Layout.Shape);
        var peak = half.GetProperty("peaks")[0];
        int peakRow = peak.GetProperty("index")[0].GetInt32(), peakColumn = peak.GetProperty("index")[1].GetInt32();
        int bins = (int)result.Layout.Shape[1];
        for (int i = 0; i < Nx; i++)
        {
            for (int j = 0; j < bins; j++)
            {
                double re = result.Values[2 * (i * bins + j)], im = result.Values[2 * (i * bins + j) + 1];
                // Same float32 rounding argument as the full-spectrum conformance test above.
                var (expectedRe, expectedIm) = (i, j) == (peakRow, peakColumn)
                    ? (peak.GetProperty("real").GetDouble(), peak.GetProperty("imag").GetDouble()) : (0, 0);
                Assert.True(Math.Abs(re - expectedRe) < 1e-4 && Math.Abs(im - expectedIm) < 1e-4, $"bin ({i}, {j}) = {re} + {im}i");
            }
        }
        Assert.Equal(peak.GetProperty("ft_distance").GetDouble(), result.Layout.Coords[0].ValueAt(peakRow), 12);
        Assert.Equal(peak.GetProperty("ft_time").GetDouble(), result.Layout.Coords[1].ValueAt(peakColumn), 9);
    }

    [Theory]
    [InlineData(7, 30, "complex", true)]
    [InlineData(12, 45, "amplitude", true)]
    [InlineData(13, 101, "power", true)]
    [InlineData(13, 101, "complex", false)]
    [InlineData(9, 64, "amplitude", false)]
    [InlineData(1, 7, "complex", false)]
    public void Real_time_matches_numpy_rfft2_with_dascore_scaling(int channels, int samples, string output, bool pad)
    {
        const double dx = 2.5, dt = 0.004;
        var x = SpectralTestData.Random(channels * samples, channels * 1000 + samples);
        string lengths = pad ? $"(next_fast_len({channels}), next_fast_len({samples}))" : $"({channels}, {samples})";
        string reduce = NumpyOutput(output);
        var expected = SpectralTestData.Numpy(x, [channels, samples],
            $"from scipy.fft import next_fast_len\nn = {lengths}\nF = np.fft.fftshift(np.fft.rfft2(x, s=n), axes=0) * {dx} * {dt}\n{reduce}");
        var result = SpectralTestData.Run($"fk:output={output},pad={pad},real=true", SpectralTestData.Layout(channels, samples, dx, dt), x);
        // As the full-spectrum comparisons: float32 transforms with float64 twiddles, ~1e-7 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 2e-6);

        // Coordinates: fftshift(fftfreq) along distance, rfftfreq (unshifted, 0 .. Nyquist) along time.
        var coordinates = Python.Run(
            $"import numpy as np\nfrom scipy.fft import next_fast_len\nn = {lengths}\n" +
            $"print(' '.join(repr(float(v)) for v in np.concatenate([np.fft.fftshift(np.fft.fftfreq(n[0], {dx})), np.fft.rfftfreq(n[1], {dt})])))",
            TestPaths.RepoRoot).Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var distance = result.Layout.Coords[0];
        var time = result.Layout.Coords[1];
        Assert.Equal(coordinates.Length, distance.Length + time.Length);
        for (int i = 0; i < distance.Length; i++) Assert.Equal(coordinates[i], distance.ValueAt(i), 12);
        for (int j = 0; j < time.Length; j++) Assert.Equal(coordinates[distance.Length + j], time.ValueAt(j), 9);
    }

    [Theory]
    [InlineData(7, 30, "complex")]
    [InlineData(12, 45, "amplitude")]
    [InlineData(9, 64, "power")]
    public void Random_data_matches_numpy_fft2_with_dascore_scaling(int channels, int samples, string output)
    {
        const double dx = 2.5, dt = 0.004;
        var x = SpectralTestData.Random(channels * samples, channels * 1000 + samples);
        string reduce = NumpyOutput(output);
        var expected = SpectralTestData.Numpy(x, [channels, samples],
            $"F = np.fft.fftshift(np.fft.fft2(x)) * {dx} * {dt}\n{reduce}");
        var result = SpectralTestData.Run($"fk:output={output}", SpectralTestData.Layout(channels, samples, dx, dt), x);
        // float64 transforms with a float32 intermediate between the two axes: ~1e-7 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 2e-6);

        var coordinates = Python.Run(
            $"import numpy as np\nprint(repr(np.fft.fftshift(np.fft.fftfreq({channels}, {dx}))[0]), repr(np.fft.fftshift(np.fft.fftfreq({samples}, {dt}))[0]))",
            TestPaths.RepoRoot).Split(' ', StringSplitOptions.TrimEntries).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(coordinates[0], result.Layout.Coords[0].Start, 12);
        Assert.Equal(coordinates[1], result.Layout.Coords[1].Start, 9);
        Assert.Equal(1 / (channels * dx), result.Layout.Coords[0].Step, 12);
    }

    [Fact]
    public void Fast_lengths_are_the_conformance_next_fast_len_examples()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestPaths.ConformanceFile("fk-synthetic", "fk_plane_wave_expected.json")));
        foreach (var example in json.RootElement.GetProperty("next_fast_len_examples").EnumerateObject())
            Assert.Equal(example.Value.GetInt64(), Core.Operations.Spectral.Internal.SpectralLayouts.FastLength(long.Parse(example.Name, System.Globalization.CultureInfo.InvariantCulture)));
    }

    // DASCore's Patch.dft pads each axis at its end to scipy.fft.next_fast_len by default (13 -> 14, 101 -> 105): the
    // bins and coordinates follow the padded lengths; pad=false keeps the selected lengths.
    [Theory]
    [InlineData(13, 101, true)]
    [InlineData(13, 101, false)]
    public void Axes_are_zero_padded_to_next_fast_len_as_dascore(int channels, int samples, bool pad)
    {
        const double dx = 2.5, dt = 0.004;
        var x = SpectralTestData.Random(channels * samples, 77);
        string lengths = pad ? $"(next_fast_len({channels}), next_fast_len({samples}))" : $"({channels}, {samples})";
        var expected = SpectralTestData.Numpy(x, [channels, samples],
            $"from scipy.fft import next_fast_len\nn = {lengths}\nF = np.fft.fftshift(np.fft.fftn(x, s=n)) * {dx} * {dt}\ny = np.abs(F)");
        var result = SpectralTestData.Run($"fk:pad={pad}", SpectralTestData.Layout(channels, samples, dx, dt), x);
        long paddedChannels = pad ? 14 : channels, paddedSamples = pad ? 105 : samples;
        Assert.Equal([paddedChannels, paddedSamples], result.Layout.Shape);
        // As the unpadded comparison above: float64 transforms with a float32 intermediate, ~1e-7 of the peak.
        Assert.True(SpectralTestData.RelativeMaxError(result.Values, expected) < 2e-6);
        Assert.Equal(1 / (paddedChannels * dx), result.Layout.Coords[0].Step, 12);
        Assert.Equal(1 / (paddedSamples * dt), result.Layout.Coords[1].Step, 9);
        Assert.Equal(-(paddedSamples / 2) / (paddedSamples * dt), result.Layout.Coords[1].Start, 9);
    }

    [Theory]
    [InlineData("fk", "false")]
    [InlineData("fk:real=True", "true")]
    public void Provenance_records_the_real_flag_default_included(string spec, string recorded) =>
        Assert.Equal(recorded, SpectralTestData.Create(spec).Parameters["real"]);

    [Fact]
    public void A_real_flag_that_is_not_a_boolean_names_the_field()
    {
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create("fk:real=time"));
        Assert.Equal("operations[0].real", error.Field);
    }

    [Fact]
    public void Refuses_a_channel_axis_that_is_not_a_distance()
    {
        var layout = SpectralTestData.Layout(4, 16, 1, 0.01, distanceUnits: "");
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create("fk").Plan(layout));
        Assert.Equal("array", error.Field);
    }

    [Fact]
    public void Refuses_an_irregular_distance_axis()
    {
        var regular = SpectralTestData.Layout(3, 16, 1, 0.01);
        var layout = regular with { Coords = [regular.Coords[0] with { Values = [0.0, 1.0, 5.0] }, regular.Coords[1]] };
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create("fk").Plan(layout));
        Assert.Equal("array", error.Field);
    }

    [Fact]
    public void Unknown_output_names_the_field()
    {
        var error = Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create("fk:output=phase"));
        Assert.Equal("operations[0].output", error.Field);
    }

    /// <summary>The NumPy line turning the spectrum F into the op's <paramref name="output"/> (complex as [re, im] pairs).</summary>
    private static string NumpyOutput(string output) => output switch
    {
        "complex" => "y = np.stack([F.real, F.imag], axis=-1)",
        "amplitude" => "y = np.abs(F)",
        _ => "y = np.abs(F) ** 2",
    };
}
