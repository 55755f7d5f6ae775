using Resif.Gpu.Testing;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// Odd and prime FFT lengths on the device (Bluestein's transform), which the shared suite's even sizes do not reach,
/// against NumPy at test time. 1e-5 of the peak as in the shared suite: float64 inside, one float32 rounding out.
/// </summary>
public sealed class DeviceFftTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(97, false)]
    [InlineData(45, true)]
    public void Complex_fft_of_odd_and_prime_lengths_matches_numpy(int length, bool inverse)
    {
        const int rows = 3;
        float[] x = Signal(rows, 2 * length, seed: length);
        float[] expected = Python.Apply(x, [rows, 2 * length], $"""
            z = x[:, 0::2] + 1j * x[:, 1::2]
            f = np.fft.{(inverse ? "ifft" : "fft")}(z, axis=-1)
            y = np.stack([f.real, f.imag], axis=-1).reshape({rows}, {2 * length})
            """);
        using IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        backend.ComplexFft(x, rows, length, inverse);
        AssertClose(expected, x, Tolerance, $"ComplexFft n={length}");
    }

    [Fact]
    public void Envelope_of_an_odd_length_matches_scipy_hilbert()
    {
        const int rows = 2, columns = 75;
        float[] x = Signal(rows, columns, seed: 3);
        float[] expected = Python.Apply(x, [rows, columns], "y = np.abs(signal.hilbert(x, axis=-1))");
        using IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        backend.Envelope(x, rows, columns);
        AssertClose(expected, x, Tolerance, "Envelope n=75");
    }

    [Fact]
    public void Fk_of_odd_sizes_matches_numpy_fft2_shifted()
    {
        const int channels = 5, samples = 63;
        const double scale = 0.25;
        float[] x = Signal(channels, samples, seed: 5);
        float[] expected = Python.Apply(x, [channels, samples], $"""
            f = np.fft.fftshift(np.fft.fft2(x.astype(np.float64))) * {scale}
            y = np.stack([f.real, f.imag], axis=-1).reshape({channels}, {2 * samples})
            """);
        using IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        var y = new float[2 * channels * samples];
        backend.Fk(x, channels, samples, scale, y);
        AssertClose(expected, y, Tolerance, "Fk 5x63");
    }
}
