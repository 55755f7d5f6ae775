using Resif.Gpu.Core;
using Resif.Gpu.Testing;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>Data-resident chains: upload once, run several kernels on the device tensor, download once.</summary>
public sealed class DeviceChainTests
{
    [Fact]
    public void Detrend_filter_decimate_abs_sta_lta_chain_matches_the_scipy_pipeline()
    {
        const int rows = 2, columns = 400, factor = 2, delay = 10, nsta = 5, nlta = 20;
        float[] x = Signal(rows, columns, seed: 21);
        double[] sos = ScipySos("signal.butter(4, 20.0, 'lowpass', fs=100.0, output='sos')");
        double[] taps = ScipySos("signal.firwin(21, 0.4)");
        int decimated = (columns + factor - 1) / factor;

        using IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        using var tensor = backend.Upload(x, rows, columns);
        backend.Detrend(tensor, linear: true);
        backend.SosFilter(tensor, sos, SosMode.ZeroPhaseOddPad);
        using var kept = backend.FirResample(tensor, taps, up: 1, factor, delay, decimated);
        backend.Abs(kept);
        using var ratio = backend.StaLta(kept, nsta, nlta, recursive: false);
        float[] actual = backend.Download(ratio);

        float[] expected = Python.Apply(x, [rows, columns], $$"""
            sos = np.array({{PythonList(sos)}}).reshape(-1, 6)
            h = np.array({{PythonList(taps)}})
            v = signal.sosfiltfilt(sos, signal.detrend(x, axis=-1, type='linear'), axis=-1)
            v = np.abs(signal.lfilter(h, 1.0, np.pad(v, ((0, 0), (0, {{delay}}))), axis=-1)[:, {{delay}}::{{factor}}][:, :{{decimated}}])
            def classic(a, nsta, nlta):
                sta = np.cumsum(a ** 2)
                lta = sta.copy()
                sta[nsta:] = sta[nsta:] - sta[:-nsta]
                sta /= nsta
                lta[nlta:] = lta[nlta:] - lta[:-nlta]
                lta /= nlta
                sta[:nlta - 1] = 0
                return sta / np.maximum(lta, np.finfo(0.0).tiny)
            y = np.array([classic(r, {{nsta}}, {{nlta}}) for r in v])
            """);
        // The device keeps float32 between the five stages (SciPy stays in float64): four extra roundings of
        // ≈6e-8 each, amplified at most a few times by the energy ratio, stay well inside 1e-5 of the peak.
        AssertClose(expected, actual, 1e-5, "device chain");
    }

    [Fact]
    public void Downloading_into_a_short_buffer_or_uploading_too_few_values_is_refused()
    {
        using IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        Assert.Throws<ArgumentException>(() => backend.Upload(new float[5], 2, 3));
        using var tensor = backend.Upload(new float[6], 2, 3);
        Assert.Throws<ArgumentException>(() => backend.Download(tensor, new float[5]));
    }
}
