using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Tests.Spectral;

public class FftTests
{
    // Lengths: trivial, radix 2/3/4 only, generic odd radices (5, 7, 11, 13, 31), and primes above 31 (Bluestein).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(31)]
    [InlineData(37)]
    [InlineData(97)]
    [InlineData(128)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1021)]
    [InlineData(4096)]
    [InlineData(6000)]
    public void Complex_rows_match_numpy_fft(int length)
    {
        const int rows = 3;
        var data = SpectralTestData.Random(2 * rows * length, length);
        var expected = SpectralTestData.Numpy(data, [rows, length, 2],
            "z = x[..., 0] + 1j * x[..., 1]\nZ = np.fft.fft(z, axis=-1)\ny = np.stack([Z.real, Z.imag], axis=-1)");
        using var backend = new CpuBackend();
        var actual = (float[])data.Clone();
        backend.ComplexFft(actual, rows, length, inverse: false);
        // Float32 arithmetic (the batched CPU FFT): measured up to 2e-7 of the peak for these lengths (Bluestein
        // included); an indexing or twiddle error is of order 1.
        Assert.True(SpectralTestData.RelativeMaxError(actual, expected) < 1e-6, $"length {length}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(45)]
    [InlineData(1001)]
    public void Inverse_matches_numpy_ifft(int length)
    {
        var data = SpectralTestData.Random(2 * length, 7 * length);
        var expected = SpectralTestData.Numpy(data, [length, 2],
            "z = np.fft.ifft(x[:, 0] + 1j * x[:, 1])\ny = np.stack([z.real, z.imag], axis=-1)");
        using var backend = new CpuBackend();
        backend.ComplexFft(data, 1, length, inverse: true);
        Assert.True(SpectralTestData.RelativeMaxError(data, expected) < 1e-6);
    }

    [Theory]
    [InlineData(3 * 5 * 7 * 11, false)]
    [InlineData(2 * 1009, true)]
    public void Float64_plan_round_trips_to_machine_precision(int n, bool bluestein)
    {
        Assert.Equal(bluestein, FftPlan.Get(n).UsesBluestein);
        var random = new Random(3);
        var re = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        var im = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        double[] re0 = (double[])re.Clone(), im0 = (double[])im.Clone();
        var plan = FftPlan.Get(n);
        plan.Forward(re, im);
        plan.Inverse(re, im);
        // A few hundred ulps at most, Bluestein's three 4096-point transforms included.
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(re0[i], re[i], 1e-12);
            Assert.Equal(im0[i], im[i], 1e-12);
        }
    }
}
