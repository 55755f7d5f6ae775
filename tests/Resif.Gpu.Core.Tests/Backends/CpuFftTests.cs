using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>
/// The CPU backend's batched float32 FFT (8 transforms per vector) against numpy.fft in float64 at test time.
/// Row counts are not multiples of the 8 lanes (or of the 16 rows of a real-row batch) so that partial batches
/// and the full-vector paths both run. Errors are relative RMS over the whole output: float32 arithmetic with
/// float64-computed twiddles measured 0.5–3e-7 here (Bluestein lengths and FkMask's four passes at the top);
/// 1e-6 leaves room for other data, while a wrong twiddle, index or symmetry gives errors of order 1.
/// </summary>
public class CpuFftTests
{
    private const double Tolerance = 1e-6;

    [Theory]
    [InlineData(1, 11, false)]
    [InlineData(2, 11, false)]
    [InlineData(3, 11, false)]
    [InlineData(5, 11, false)]
    [InlineData(7, 11, false)]
    [InlineData(8, 11, false)]
    [InlineData(1023, 9, false)]
    [InlineData(2000, 9, false)]
    [InlineData(10007, 3, true)]
    [InlineData(30001, 3, true)]
    [InlineData(60000, 3, false)]
    public void Complex_rows_match_numpy_fft(int length, int rows, bool bluestein)
    {
        Assert.Equal(bluestein, FftBatchPlan.Get(length).UsesBluestein);
        float[] x = Random(2 * rows * length, seed: length);
        float[] expected = Python.Apply(x, [rows, length, 2],
            "z = np.fft.fft(x[..., 0] + 1j * x[..., 1], axis=-1)\ny = np.stack([z.real, z.imag], axis=-1)");
        using var backend = new CpuBackend();
        backend.ComplexFft(x, rows, length, inverse: false);
        AssertClose(expected, x, $"fft n={length}");
    }

    /// <summary>
    /// Passes with an even stride run on 512-bit registers where AVX-512 is present; these lengths put every
    /// butterfly kind there (radix 3 at stride 2 in n = 6, the generic odd radices 7 and 11 in 308, radix 4 and 5 in
    /// 2000, radix 8 in Bluestein's 32768-point inner transform of 10007, all of them in 60000). On a CPU without
    /// AVX-512 both widths run the 256-bit code.
    /// </summary>
    [Theory]
    [InlineData(256, 6)]
    [InlineData(512, 6)]
    [InlineData(256, 308)]
    [InlineData(512, 308)]
    [InlineData(256, 2000)]
    [InlineData(512, 2000)]
    [InlineData(256, 10007)]
    [InlineData(512, 10007)]
    [InlineData(256, 60000)]
    [InlineData(512, 60000)]
    public void Complex_rows_match_numpy_fft_at_both_vector_widths(int width, int length)
    {
        const int rows = 11;
        float[] x = Random(2 * rows * length, seed: length + width);
        float[] expected = Python.Apply(x, [rows, length, 2],
            "z = np.fft.fft(x[..., 0] + 1j * x[..., 1], axis=-1)\ny = np.stack([z.real, z.imag], axis=-1)");
        WithVectorWidth(width, () =>
        {
            using var backend = new CpuBackend();
            backend.ComplexFft(x, rows, length, inverse: false);
        });
        AssertClose(expected, x, $"fft n={length} at {width} bits");
    }

    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    public void Fk_matches_numpy_at_both_vector_widths(int width)
    {
        const int channels = 40, samples = 2000;
        float[] x = Random(channels * samples, seed: width);
        float[] expected = Python.Apply(x, [channels, samples],
            "z = np.fft.fftshift(np.fft.fft2(x))\ny = np.stack([z.real, z.imag], axis=-1)");
        var y = new float[2 * channels * samples];
        WithVectorWidth(width, () =>
        {
            using var backend = new CpuBackend();
            backend.Fk(x, channels, samples, 1.0, y);
        });
        AssertClose(expected, y, $"Fk {channels}x{samples} at {width} bits");
    }

    /// <summary>Only this class switches the width, and xUnit runs one class's tests one at a time.</summary>
    private static void WithVectorWidth(int width, Action action)
    {
        bool saved = FftBatchPlan.UseVector512;
        FftBatchPlan.UseVector512 = width == 512 && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
        try
        {
            action();
        }
        finally
        {
            FftBatchPlan.UseVector512 = saved;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(10007)]
    [InlineData(60000)]
    public void Inverse_undoes_forward(int length)
    {
        const int rows = 9;
        float[] x = Random(2 * rows * length, seed: 3 * length);
        var original = (float[])x.Clone();
        using var backend = new CpuBackend();
        backend.ComplexFft(x, rows, length, inverse: false);
        backend.ComplexFft(x, rows, length, inverse: true);
        AssertClose(original, x, $"round trip n={length}");
    }

    [Theory]
    [InlineData(37, 1000)]
    [InlineData(19, 999)]
    [InlineData(2, 257)]
    [InlineData(1, 1)]
    [InlineData(1, 16)]
    [InlineData(3, 2)]
    public void Fk_matches_numpy_fftshift_fft2(int channels, int samples)
    {
        const double scale = 0.5;
        float[] x = Random(channels * samples, seed: channels + samples);
        float[] expected = Python.Apply(x, [channels, samples],
            $"z = np.fft.fftshift(np.fft.fft2(x)) * {scale}\ny = np.stack([z.real, z.imag], axis=-1)");
        var y = new float[2 * channels * samples];
        using var backend = new CpuBackend();
        backend.Fk(x, channels, samples, scale, y);
        AssertClose(expected, y, $"Fk {channels}x{samples}");
    }

    [Theory]
    [InlineData(37, 1000)]
    [InlineData(19, 999)]
    [InlineData(4, 34)]
    public void Fk_with_streaming_stores_matches_numpy(int channels, int samples)
    {
        // The Hermitian fill streams only for spectra beyond 64 MB; with the threshold at 0 every row has an
        // unaligned head, a streamed middle and a tail. Both paths are exact copies, so other tests running meanwhile
        // are unaffected.
        long threshold = FftTransforms.StreamingBytes;
        FftTransforms.StreamingBytes = 0;
        try
        {
            Fk_matches_numpy_fftshift_fft2(channels, samples);
        }
        finally
        {
            FftTransforms.StreamingBytes = threshold;
        }
    }

    [Theory]
    [InlineData(37, 1000)]
    [InlineData(19, 999)]
    [InlineData(1, 7)]
    [InlineData(5, 2)]
    [InlineData(17, 3001)] // prime row length (Bluestein rows), an odd row count leaving lanes empty
    [InlineData(40, 64)]
    [InlineData(3, 1)]
    [InlineData(1, 2)]
    public void Fk_mask_matches_numpy_for_a_mask_without_symmetry(int channels, int samples)
    {
        float[] x = Random(channels * samples, seed: 2 * channels + samples);
        // Random weights: mask[d, k] != mask[−d, −k], so the real part of the inverse has to be taken faithfully.
        float[] mask = Random(channels * samples, seed: 5).Select(v => (v + 1) / 2).ToArray();
        float[] stacked = [.. x, .. mask];
        float[] expected = Python.Apply(stacked, [2, channels, samples],
            "y = np.real(np.fft.ifft2(np.fft.fft2(x[0]) * x[1]))");
        using var backend = new CpuBackend();
        backend.FkMask(x, channels, samples, mask);
        AssertClose(expected, x, $"FkMask {channels}x{samples}");
    }

    /// <summary>
    /// Real rows of 16·M samples (M ≥ 8, lane transforms without Bluestein) go through FftRealRowPlan one row at a
    /// time; the same rows through the batched path too. 128: one 8×8 block per lane and a single radix pass;
    /// 2000: M = 125, five columns left after the blocks; 4096: radix 8, 8, 4; 16384: radix 8, 8, 4, 4 with the
    /// half-page pads between real and imaginary parts; 60000: the benchmark's rows
    /// (M = 3750, six passes, six columns left); 592: M = 37, Bluestein lanes, so the batched path either way.
    /// </summary>
    [Theory]
    [InlineData(7, 128, true)]
    [InlineData(7, 128, false)]
    [InlineData(9, 2000, true)]
    [InlineData(9, 2000, false)]
    [InlineData(4, 4096, true)]
    [InlineData(2, 16384, true)]
    [InlineData(2, 16384, false)]
    [InlineData(3, 60000, true)]
    [InlineData(3, 60000, false)]
    [InlineData(5, 592, true)]
    public void Real_rows_match_numpy_on_the_single_row_and_batched_paths(int channels, int samples, bool singleRow)
    {
        bool saved = FftRealRowPlan.Enabled;
        FftRealRowPlan.Enabled = singleRow;
        try
        {
            Assert.Equal(singleRow && Avx2.IsSupported && samples != 592, FftRealRowPlan.Supports(samples));
            Fk_matches_numpy_fftshift_fft2(channels, samples);
            Fk_mask_matches_numpy_for_a_mask_without_symmetry(channels, samples);
        }
        finally
        {
            FftRealRowPlan.Enabled = saved;
        }
    }

    [Theory]
    [InlineData(13, 1001)]
    [InlineData(17, 4096)]
    public void Envelope_matches_scipy_hilbert(int rows, int columns)
    {
        float[] x = Random(rows * columns, seed: rows * columns);
        float[] expected = Python.Apply(x, [rows, columns], "y = np.abs(signal.hilbert(x, axis=-1))");
        using var backend = new CpuBackend();
        backend.Envelope(x, rows, columns);
        AssertClose(expected, x, $"Envelope {rows}x{columns}");
    }

    [Theory]
    [InlineData(600)] // rows in 16-row batches
    [InlineData(640)] // rows one at a time (FftRealRowPlan)
    public void A_single_thread_gives_the_same_bits_as_two(int samples)
    {
        const int channels = 40;
        float[] x = Random(channels * samples, seed: 8);
        float[] one = new float[2 * channels * samples], two = new float[2 * channels * samples];
        using (var backend = new CpuBackend(1)) backend.Fk(x, channels, samples, 1.0, one);
        using (var backend = new CpuBackend(2)) backend.Fk(x, channels, samples, 1.0, two);
        Assert.Equal(one, two);
    }

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error += Math.Pow(actual[i] - (double)expected[i], 2);
            norm += (double)expected[i] * expected[i];
        }
        double relative = Math.Sqrt(error / norm);
        Assert.True(relative < Tolerance, $"{what}: relative RMS error {relative:E2}");
    }
}
