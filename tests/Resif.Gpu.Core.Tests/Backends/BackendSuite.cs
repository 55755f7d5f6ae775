using static Resif.Gpu.Core.Tests.Backends.BackendReference;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>
/// Written once, run per backend: every kernel-family method is compared with an independent float64 reference
/// (SciPy/NumPy at test time, from the published definitions) on small inputs — the ILGPU CPU accelerator runs
/// each GPU thread in emulation. Concrete suites: <c>CpuBackendSuite</c> here, the ILGPU ones in
/// Resif.Gpu.Kernels.Tests.
/// Tolerances are relative to the peak of the expected output: every kernel computes in float64 and rounds once to
/// float32 (≈6e-8 of the value), the reference rounds once more; 1e-6 leaves an order of magnitude for summation
/// order. FFT-based kernels get 1e-5: their rounding grows with log2(n) butterflies and Bluestein's extra transforms.
/// </summary>
public abstract class BackendSuite : IDisposable
{
    private const double Direct = 1e-6;
    private const double Transformed = 1e-5;

    private IBackend? backend;

    /// <summary>Built on first use, so a skipped suite never touches its device.</summary>
    protected IBackend Backend => backend ??= CreateBackend();

    protected abstract IBackend CreateBackend();

    private static readonly Lazy<double[]> Bandpass = new(() => ScipySos("signal.butter(4, [2.0, 15.0], 'bandpass', fs=100.0, output='sos')"));

    [BackendFact]
    public void Backend_describes_itself_for_provenance()
    {
        Assert.False(string.IsNullOrWhiteSpace(Backend.Name));
        Assert.False(string.IsNullOrWhiteSpace(Backend.Device));
        Assert.NotNull(Backend.Filters);
        Assert.NotNull(Backend.Spectral);
    }

    [BackendFact]
    public void Causal_sos_matches_scipy_sosfilt() =>
        CheckSos(SosMode.Causal, "y = signal.sosfilt(sos, x, axis=-1)");

    [BackendFact]
    public void Zero_phase_sos_matches_obspy_forward_then_reversed_sosfilt() =>
        CheckSos(SosMode.ZeroPhase, "y = signal.sosfilt(sos, signal.sosfilt(sos, x, axis=-1)[:, ::-1], axis=-1)[:, ::-1]");

    [BackendFact]
    public void Odd_padded_zero_phase_sos_matches_scipy_sosfiltfilt() =>
        CheckSos(SosMode.ZeroPhaseOddPad, "y = signal.sosfiltfilt(sos, x, axis=-1)");

    [BackendFact]
    public void Fir_resampling_matches_numpy_convolution_of_the_zero_stuffed_input()
    {
        const int rows = 3, columns = 203, delay = 5;
        float[] x = Signal(rows, columns, seed: 3);
        double[] taps = Enumerable.Range(0, 11).Select(i => Math.Sin(0.3 * (i + 1)) / (i + 1)).ToArray();
        foreach ((int up, int down) in new[] { (1, 4), (3, 4), (2, 1) })
        {
            int outColumns = (columns * up + down - 1) / down;
            var y = new float[rows * outColumns];
            Backend.Filters.FirResample(x, rows, columns, taps, up, down, delay, y);
            // u = x with up − 1 zeros after each sample; output j is the full convolution at j·down + delay (0 past its end).
            float[] expected = Python.Apply(x, [rows, columns], $"""
                h = np.array({PythonList(taps)})
                u = np.zeros((x.shape[0], x.shape[1] * {up}))
                u[:, ::{up}] = x
                c = np.array([np.convolve(r, h) for r in u])
                c = np.pad(c, ((0, 0), (0, {outColumns * down + delay})))
                y = c[:, {delay}::{down}][:, :{outColumns}]
                """);
            AssertClose(expected, y, Direct, $"FirResample up={up} down={down}");
        }
    }

    [BackendFact]
    public void Sos_filter_decimate_keeps_every_factor_th_filtered_sample_and_leaves_the_input()
    {
        const int rows = 3, columns = 401, factor = 3;
        float[] x = Signal(rows, columns, seed: 2);
        float[] original = (float[])x.Clone();
        double[] sos = Bandpass.Value;
        foreach ((SosMode mode, string reference) in new[]
        {
            (SosMode.Causal, "signal.sosfilt(sos, x, axis=-1)"),
            (SosMode.ZeroPhaseOddPad, "signal.sosfiltfilt(sos, x, axis=-1)"),
        })
        {
            var y = new float[rows * ((columns + factor - 1) / factor)];
            Backend.Filters.SosFilterDecimate(x, rows, columns, sos, mode, factor, y);
            float[] expected = Python.Apply(x, [rows, columns], $"sos = np.array({PythonList(sos)}).reshape(-1, 6)\ny = {reference}[:, ::{factor}]");
            AssertClose(expected, y, Direct, $"SosFilterDecimate {mode}");
            Assert.Equal(original, x);
        }
    }

    [BackendFact]
    public void Linear_detrend_matches_scipy() => CheckDetrend(DetrendType.Linear, "linear");

    [BackendFact]
    public void Demean_matches_scipy_constant_detrend() => CheckDetrend(DetrendType.Demean, "constant");

    [BackendFact]
    public void Column_weights_multiply_every_row()
    {
        const int rows = 3, columns = 64;
        float[] x = Signal(rows, columns, seed: 6);
        double[] weights = Enumerable.Range(0, columns).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (columns - 1))).ToArray();
        float[] expected = Python.Apply(x, [rows, columns], $"y = x * np.array({PythonList(weights)})[None, :]");
        Backend.Filters.MultiplyColumns(x, rows, columns, weights);
        AssertClose(expected, x, Direct, "MultiplyColumns");
    }

    [BackendFact]
    public void Classic_sta_lta_matches_obspy_numpy_definition()
    {
        const int rows = 3, columns = 300, nsta = 8, nlta = 40;
        float[] x = Signal(rows, columns, seed: 7);
        var y = new float[x.Length];
        Backend.Spectral.StaLta(x, y, rows, columns, nsta, nlta, recursive: false);
        // obspy.signal.trigger.classic_sta_lta_py, row by row.
        float[] expected = Python.Apply(x, [rows, columns], $$"""
            def classic(a, nsta, nlta):
                sta = np.cumsum(a ** 2)
                lta = sta.copy()
                sta[nsta:] = sta[nsta:] - sta[:-nsta]
                sta /= nsta
                lta[nlta:] = lta[nlta:] - lta[:-nlta]
                lta /= nlta
                sta[:nlta - 1] = 0
                lta[lta < np.finfo(0.0).tiny] = np.finfo(0.0).tiny
                return sta / lta
            y = np.array([classic(r, {{nsta}}, {{nlta}}) for r in x])
            """);
        AssertClose(expected, y, Direct, "classic StaLta");
    }

    [BackendFact]
    public void Recursive_sta_lta_matches_obspy_definition()
    {
        const int rows = 2, columns = 300, nsta = 8, nlta = 40;
        float[] x = Signal(rows, columns, seed: 8);
        var y = new float[x.Length];
        Backend.Spectral.StaLta(x, y, rows, columns, nsta, nlta, recursive: true);
        // obspy.signal.trigger.recursive_sta_lta_py, row by row.
        float[] expected = Python.Apply(x, [rows, columns], $$"""
            def recursive(a, nsta, nlta):
                csta, clta = 1.0 / nsta, 1.0 / nlta
                sta, lta = 0.0, 1e-99
                cf = np.zeros(len(a))
                for i in range(1, len(a)):
                    sta = csta * a[i] ** 2 + (1 - csta) * sta
                    lta = clta * a[i] ** 2 + (1 - clta) * lta
                    cf[i] = sta / lta
                cf[:nlta] = 0
                return cf
            y = np.array([recursive(r, {{nsta}}, {{nlta}}) for r in x])
            """);
        AssertClose(expected, y, Direct, "recursive StaLta");
    }

    [BackendFact]
    public void Window_rms_matches_numpy_and_drops_the_partial_window()
    {
        const int rows = 3, columns = 103, window = 10;
        float[] x = Signal(rows, columns, seed: 9);
        var y = new float[rows * (columns / window)];
        Backend.Spectral.WindowRms(x, y, rows, columns, window);
        float[] expected = Python.Apply(x, [rows, columns],
            $"n = {columns} // {window}\ny = np.sqrt(np.mean(x[:, :n * {window}].reshape({rows}, n, {window}) ** 2, axis=-1))");
        AssertClose(expected, y, Direct, "WindowRms");
    }

    [BackendFact]
    public void Abs_touches_only_the_first_count_values()
    {
        float[] x = Signal(2, 50, seed: 10);
        float last = x[^1];
        Backend.Spectral.Abs(x, x.Length - 1);
        float[] source = Signal(2, 50, seed: 10);
        for (int i = 0; i < x.Length - 1; i++) Assert.Equal(Math.Abs(source[i]), x[i]);
        Assert.Equal(last, x[^1]);
    }

    [BackendFact]
    public void Normalize_by_peak_and_by_std_match_numpy_and_keep_zero_rows()
    {
        const int rows = 3, columns = 80;
        foreach (bool byStd in new[] { false, true })
        {
            float[] x = Signal(rows, columns, seed: 11);
            Array.Clear(x, columns, columns); // row 1 all zeros must stay zeros, not NaN
            string norm = byStd ? "np.std(x, axis=-1, keepdims=True)" : "np.max(np.abs(x), axis=-1, keepdims=True)";
            float[] expected = Python.Apply(x, [rows, columns], $"n = {norm}\ny = np.divide(x, n, out=np.zeros_like(x), where=n > 0)");
            Backend.Spectral.Normalize(x, rows, columns, byStd);
            AssertClose(expected, x, Direct, byStd ? "Normalize by std" : "Normalize by peak");
        }
    }

    // FFT sizes: a power of two (radix-2 path on devices) and a size that needs Bluestein's algorithm.

    [BackendFact]
    public void Complex_fft_both_ways_matches_numpy()
    {
        const int rows = 2;
        foreach (int length in new[] { 64, 50 })
        {
            foreach (bool inverse in new[] { false, true })
            {
                float[] x = Signal(rows, 2 * length, seed: 12);
                string transform = inverse ? "np.fft.ifft" : "np.fft.fft";
                float[] expected = Python.Apply(x, [rows, 2 * length],
                    $"z = {transform}(x[:, 0::2] + 1j * x[:, 1::2], axis=-1)\ny = np.stack([z.real, z.imag], axis=-1).reshape({rows}, -1)");
                Backend.Spectral.ComplexFft(x, rows, length, inverse);
                AssertClose(expected, x, Transformed, $"ComplexFft n={length} inverse={inverse}");
            }
        }
    }

    [BackendFact]
    public void Fk_matches_numpy_fft2_scaled_and_shifted()
    {
        const int samples = 32;
        const double scale = 0.25;
        foreach (int channels in new[] { 8, 6 })
        {
            float[] x = Signal(channels, samples, seed: 13);
            var y = new float[2 * channels * samples];
            Backend.Spectral.Fk(x, channels, samples, scale, y);
            float[] expected = Python.Apply(x, [channels, samples],
                $"z = np.fft.fftshift(np.fft.fft2(x) * {scale})\ny = np.stack([z.real, z.imag], axis=-1)");
            AssertClose(expected, y, Transformed, $"Fk {channels}x{samples}");
        }
    }

    [BackendFact]
    public void Fk_half_matches_numpy_rfft2_scaled_and_distance_shifted()
    {
        const double scale = 0.25;
        // 2000 samples: the CPU backend's single-row real FFT (n a multiple of 16, ≥ 128) without the time shift.
        foreach (var (channels, samples) in new[] { (8, 32), (6, 27), (4, 2000) })
        {
            float[] x = Signal(channels, samples, seed: 15);
            var y = new float[2 * channels * (samples / 2 + 1)];
            Backend.Spectral.FkHalf(x, channels, samples, scale, y);
            float[] expected = Python.Apply(x, [channels, samples],
                $"z = np.fft.fftshift(np.fft.rfft2(x) * {scale}, axes=0)\ny = np.stack([z.real, z.imag], axis=-1)");
            AssertClose(expected, y, Transformed, $"FkHalf {channels}x{samples}");
        }
    }

    [BackendFact]
    public void Fk_mask_matches_numpy_ifft2_of_masked_fft2()
    {
        const int samples = 32;
        foreach (int channels in new[] { 8, 6 })
        {
            float[] x = Signal(channels, samples, seed: 14);
            var mask = new float[channels * samples];
            for (int r = 0; r < channels; r++)
            {
                for (int c = 0; c < samples; c++) mask[r * samples + c] = (float)(0.5 + 0.5 * Math.Cos(0.3 * r + 0.1 * c));
            }
            float[] expected = Python.Apply(x, [channels, samples], $"""
                r, c = np.meshgrid(np.arange({channels}), np.arange({samples}), indexing='ij')
                m = (0.5 + 0.5 * np.cos(0.3 * r + 0.1 * c)).astype(np.float32).astype(np.float64)
                y = np.real(np.fft.ifft2(np.fft.fft2(x) * m))
                """);
            Backend.Spectral.FkMask(x, channels, samples, mask);
            AssertClose(expected, x, Transformed, $"FkMask {channels}x{samples}");
        }
    }

    [BackendFact]
    public void Envelope_matches_scipy_hilbert_magnitude()
    {
        const int rows = 3;
        foreach (int columns in new[] { 64, 90 })
        {
            float[] x = Signal(rows, columns, seed: 15);
            float[] expected = Python.Apply(x, [rows, columns], "y = np.abs(signal.hilbert(x, axis=-1))");
            Backend.Spectral.Envelope(x, rows, columns);
            AssertClose(expected, x, Transformed, $"Envelope n={columns}");
        }
    }

    [BackendFact]
    public void Time_domain_slowness_beam_matches_numpy_delay_and_sum() => CheckSlownessBeam(frequencyDomain: false, """
        grid = np.arange(-1, n + 1)
        for si, s in enumerate(slownesses):
            beam = np.zeros(n)
            for c in range(x.shape[0]):
                # linear interpolation at t + s*offset, the record padded by one zero each side, zero beyond
                beam += np.interp(np.arange(n) + s * offsets[c] / dt, grid, np.concatenate([[0.0], x[c], [0.0]]), left=0.0, right=0.0)
            beam /= x.shape[0]
            y[si] = np.mean((beam[:windows * window] ** 2).reshape(windows, window), axis=-1)
        """);

    [BackendFact]
    public void Frequency_domain_slowness_beam_matches_numpy_steered_spectra() => CheckSlownessBeam(frequencyDomain: true, """
        f = np.fft.fftfreq(window, dt)
        for si, s in enumerate(slownesses):
            for w in range(windows):
                spectra = np.fft.fft(x[:, w * window:(w + 1) * window], axis=-1)
                beam = np.mean(spectra * np.exp(2j * np.pi * f[None, :] * s * offsets[:, None]), axis=0)
                y[si, w] = np.sum(np.abs(beam) ** 2) / window ** 2
        """);

    [BackendFact]
    public void Invalid_shapes_and_parameters_are_refused_not_computed()
    {
        float[] x = Signal(2, 40, seed: 16);
        var y = new float[x.Length];
        Assert.ThrowsAny<ArgumentException>(() => Backend.Spectral.StaLta(x, y, 2, 40, nsta: 10, nlta: 10, recursive: false));
        Assert.ThrowsAny<ArgumentException>(() => Backend.Spectral.WindowRms(x, y, 2, 40, window: 0));
        Assert.ThrowsAny<ArgumentException>(() => Backend.Filters.FirResample(x, 2, 40, [1.0], up: 1, down: 0, delay: 0, y));
        Assert.ThrowsAny<ArgumentException>(() => Backend.Filters.SosFilterDecimate(x, 2, 40, Bandpass.Value, SosMode.Causal, factor: 2, new float[39]));
        Assert.ThrowsAny<ArgumentException>(() => Backend.Filters.MultiplyColumns(x, 2, 40, new double[39]));
        // sosfiltfilt pads 3 × (2 × sections + 1) = 27 samples for four sections: 20 samples are too few.
        Assert.ThrowsAny<ArgumentException>(() => Backend.Filters.SosFilter(x.AsSpan(0, 40), 2, 20, Bandpass.Value, SosMode.ZeroPhaseOddPad));
        Assert.ThrowsAny<ArgumentException>(() => Backend.Filters.SosFilter(x, 3, 40, Bandpass.Value, SosMode.Causal));
    }

    [BackendFact]
    public void Empty_blocks_are_a_no_op()
    {
        var empty = Array.Empty<float>();
        Backend.Filters.SosFilter(empty, 0, 100, Bandpass.Value, SosMode.ZeroPhase);
        Backend.Filters.Detrend(empty, 3, 0, DetrendType.Linear);
        Backend.Spectral.StaLta(empty, empty, 0, 50, 5, 10, recursive: true);
        Backend.Spectral.Abs(empty, 0);
        Backend.Spectral.Normalize(empty, 0, 10, byStd: true);
    }

    private void CheckSlownessBeam(bool frequencyDomain, string reference)
    {
        const int channels = 5, samples = 64, window = 16;
        const double dt = 0.01;
        float[] x = Signal(channels, samples, seed: 17);
        double[] offsets = Enumerable.Range(0, channels).Select(c => 10.0 * c).ToArray();
        double[] slownesses = [-2.5e-3, -4e-4, 0.0, 3.3e-4, 1.7e-3];
        var y = new float[slownesses.Length * (samples / window)];
        Backend.Spectral.SlownessBeam(x, channels, samples, offsets, dt, slownesses, window, frequencyDomain, y);
        float[] expected = Python.Apply(x, [channels, samples],
            $"offsets = np.array({PythonList(offsets)})\nslownesses = np.array({PythonList(slownesses)})\n" +
            $"dt, window, n = {dt.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, {window}, {samples}\nwindows = n // window\n" +
            $"y = np.zeros((len(slownesses), windows))\n{reference}");
        AssertClose(expected, y, frequencyDomain ? Transformed : Direct, frequencyDomain ? "frequency-domain SlownessBeam" : "time-domain SlownessBeam");
    }

    private void CheckSos(SosMode mode, string reference)
    {
        const int rows = 3, columns = 400;
        double[] sos = Bandpass.Value;
        float[] x = Signal(rows, columns, seed: 1);
        float[] expected = Python.Apply(x, [rows, columns], $"sos = np.array({PythonList(sos)}).reshape(-1, 6)\n{reference}");
        Backend.Filters.SosFilter(x, rows, columns, sos, mode);
        AssertClose(expected, x, Direct, $"SosFilter {mode}");
    }

    private void CheckDetrend(DetrendType type, string scipyType)
    {
        const int rows = 3, columns = 120;
        float[] x = Signal(rows, columns, seed: 5);
        float[] expected = Python.Apply(x, [rows, columns], $"y = signal.detrend(x, axis=-1, type='{scipyType}')");
        Backend.Filters.Detrend(x, rows, columns, type);
        AssertClose(expected, x, Direct, $"Detrend {type}");
    }

    public void Dispose()
    {
        backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}
