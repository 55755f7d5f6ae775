using ILGPU;
using ILGPU.Runtime.CPU;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Tests.Backends;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// The beams on a device against the CPU backend (itself checked against NumPy and ObsPy's definitions in the Core
/// suites), on shapes that exercise partial work-group tiles, Bluestein window lengths, bands, and station-beam batches.
/// Every call must stay on the device: a silent CPU fallback would compare the CPU with itself.
/// Tolerances are relative to the peak of the expected map. Frequency-domain slowness beam 2e-6: both sides compute the
/// window spectra by float32 FFTs (different algorithms: a few float32 roundings of the spectrum's scale each, log n
/// passes), round the steering phasors to float32 and sum channels in float32 in a different order (at most
/// ≈ channels × 6e-8 of |B|, doubled in |B|²: 1.1e-6 for these ≤ 9 channels, plus the FFTs' few 6e-8; 2.2e-7
/// measured with float32 window FFTs on the device, 9e-8 with the earlier float64 ones). Station beam 1e-6: both
/// sides work in float64 and round once to float32 (6e-8); the FFTs differ only near 1e-15, which even a
/// pseudo-inverse conditioned at its 1e6 cutoff keeps near 1e-9 (the maps measured bit-identical here).
/// </summary>
public abstract class DeviceBeamSuite : IDisposable
{
    private const double SlownessTolerance = 2e-6;
    private const double StationTolerance = 1e-6;

    private IlgpuBackend? device;
    private readonly CpuBackend cpu = new();

    /// <summary>Built on first use, so a skipped suite never touches its device.</summary>
    private IlgpuBackend Device => device ??= CreateBackend();

    protected abstract IlgpuBackend CreateBackend();

    [BackendFact]
    public void Frequency_domain_slowness_beam_matches_the_cpu_backend_over_every_bin()
    {
        // 7 channels, 9 slownesses, 5 windows: none is a multiple of a work-group side; 40 samples need Bluestein.
        CheckSlownessBeam(channels: 7, samples: 200, window: 40, slownessCount: 9);
        CheckSlownessBeam(channels: 9, samples: 130, window: 32, slownessCount: 4);
    }

    [BackendFact]
    public void Frequency_domain_slowness_beam_matches_the_cpu_backend_in_a_band()
    {
        CheckSlownessBeam(channels: 6, samples: 160, window: 40, slownessCount: 5, frequencyMin: 6, frequencyMax: 21);
        // Only the Nyquist bin of an even window, whose weight is 1 like DC's.
        CheckSlownessBeam(channels: 5, samples: 96, window: 32, slownessCount: 3, frequencyMin: 50, frequencyMax: 50);
    }

    [BackendFact]
    public void A_band_without_bins_or_a_band_on_the_time_domain_beam_is_refused()
    {
        float[] x = Signal(3, 64, seed: 2);
        var power = new float[2 * 4];
        double[] offsets = [0, 10, 20];
        Assert.ThrowsAny<ArgumentException>(() =>
            Device.SlownessBeam(x, 3, 64, offsets, 0.01, [0, 1e-3], 16, frequencyDomain: true, power, frequencyMin: 1, frequencyMax: 2));
        Assert.ThrowsAny<ArgumentException>(() =>
            Device.SlownessBeam(x, 3, 64, offsets, 0.01, [0, 1e-3], 16, frequencyDomain: false, power, frequencyMin: 1));
        Assert.Null(Device.DisabledReason);
    }

    [BackendFact]
    public void Bartlett_station_beam_matches_the_cpu_backend() => CheckStationBeam(capon: false, prewhiten: false);

    [BackendFact]
    public void Prewhitened_bartlett_station_beam_matches_the_cpu_backend() => CheckStationBeam(capon: false, prewhiten: true);

    [BackendFact]
    public void Capon_station_beam_matches_the_cpu_backend() => CheckStationBeam(capon: true, prewhiten: false);

    [BackendFact]
    public void Prewhitened_capon_station_beam_matches_the_cpu_backend() => CheckStationBeam(capon: true, prewhiten: true);

    [BackendFact]
    public void Beams_in_batches_of_one_window_match_the_cpu_backend()
    {
        // A budget smaller than one window's buffers: every window is its own batch.
        Device.BeamBatchBytes = 1;
        CheckSlownessBeam(channels: 7, samples: 200, window: 40, slownessCount: 9);
        CheckSlownessBeam(channels: 6, samples: 160, window: 32, slownessCount: 5, frequencyMin: 6, frequencyMax: 21);
        CheckStationBeam(capon: true, prewhiten: true);
        CheckStationBeam(capon: false, prewhiten: false);
    }

    private void CheckSlownessBeam(int channels, int samples, int window, int slownessCount,
        double frequencyMin = 0, double frequencyMax = double.PositiveInfinity)
    {
        const double dt = 0.01;
        float[] x = Signal(channels, samples, seed: channels + samples);
        // Offsets up to a kilometre and slownesses up to 2.5 ms/m: phases of more than 100 cycles test the reduction.
        double[] offsets = Enumerable.Range(0, channels).Select(c => 125.0 * c + 3.7 * c * c).ToArray();
        double[] slownesses = Enumerable.Range(0, slownessCount).Select(i => -2.5e-3 + 5e-3 * i / Math.Max(1, slownessCount - 1) + 1.3e-5).ToArray();
        int windows = samples / window;
        var expected = new float[slownessCount * windows];
        var actual = new float[expected.Length];
        cpu.SlownessBeam(x, channels, samples, offsets, dt, slownesses, window, frequencyDomain: true, expected, frequencyMin, frequencyMax);
        RunOnDevice(() => Device.SlownessBeam(x, channels, samples, offsets, dt, slownesses, window, frequencyDomain: true, actual, frequencyMin, frequencyMax));
        AssertNear(expected, actual, SlownessTolerance, $"frequency-domain SlownessBeam [{channels} x {samples}], window {window}, band [{frequencyMin}, {frequencyMax}]");
    }

    /// <summary>
    /// Five stations of a ~1 km array, a 5 × 5 slowness grid (s/km, ObsPy's time shifts −(x·sx + y·sy)), windows of 64
    /// samples every 32 (7 windows), 6 bins from 3.1 Hz: a plane wave in noise, so the maps have a peak to find.
    /// </summary>
    private void CheckStationBeam(bool capon, bool prewhiten)
    {
        const int stations = 5, samples = 256, window = 64, step = 32, nfft = 64, firstBin = 2, bins = 6;
        const double dt = 0.01;
        double[] east = [0.0, 0.8, -0.3, 0.4, -0.9], north = [0.0, 0.2, 0.9, -0.7, -0.1];
        float[] x = Signal(stations, samples, seed: 11);
        for (int i = 0; i < stations; i++)
        {
            double delay = 0.12 * east[i] - 0.05 * north[i];
            for (int n = 0; n < samples; n++) x[i * samples + n] += (float)(3 * Math.Sin(2 * Math.PI * 6.0 * (n * dt - delay)));
        }
        double[] grid = [-0.3, -0.15, 0.0, 0.15, 0.3];
        int points = grid.Length * grid.Length;
        var shifts = new float[stations * points];
        for (int i = 0; i < stations; i++)
        {
            for (int g = 0; g < points; g++) shifts[i * points + g] = (float)-(east[i] * grid[g / grid.Length] + north[i] * grid[g % grid.Length]);
        }
        float binWidth = (float)(1 / (dt * nfft));
        int windows = (samples - window) / step + 1;
        var expectedRelative = new float[windows * points];
        var expectedAbsolute = new float[windows * points];
        var relative = new float[windows * points];
        var absolute = new float[windows * points];
        cpu.StationBeam(x, stations, samples, shifts, points, window, step, nfft, firstBin, bins, binWidth, capon, prewhiten, expectedRelative, expectedAbsolute);
        RunOnDevice(() => Device.StationBeam(x, stations, samples, shifts, points, window, step, nfft, firstBin, bins, binWidth, capon, prewhiten, relative, absolute));
        string what = $"StationBeam capon={capon} prewhiten={prewhiten}";
        AssertNear(expectedRelative, relative, StationTolerance, what + " relative power");
        AssertNear(expectedAbsolute, absolute, StationTolerance, what + " absolute power");
    }

    /// <summary>Runs a call and checks that it ran on the device: one more upload, no fallback counted.</summary>
    private void RunOnDevice(Action call)
    {
        using var recorder = new FallbackRecorder(Device);
        long uploads = Device.Uploads;
        call();
        Assert.Empty(recorder.Calls);
        Assert.True(Device.Uploads > uploads, "the call did not upload its input to the device");
    }

    /// <summary>|expected − actual| ≤ tolerance × max|expected| element by element (the maps are not of order 1).</summary>
    private static void AssertNear(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double peak = expected.Max(v => Math.Abs((double)v));
        Assert.True(peak > 0, $"{what}: the reference map is all zeros");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (!(error <= tolerance * peak))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2} > {tolerance:E1} × peak {peak:G4})");
        }
    }

    public void Dispose()
    {
        device?.Dispose();
        cpu.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The beams on ILGPU's CPU accelerator (work groups of 4 × 4 threads there, emulated).</summary>
public sealed class IlgpuCpuBeamSuite : DeviceBeamSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("ilgpu-cpu");
}

/// <summary>
/// The beams on a CPU accelerator emulating groups of 256 threads, so the steering kernel runs with the 16 × 16 tiles
/// it uses on CUDA (the default CPU accelerator allows 16 threads per group, hence 4 × 4 tiles).
/// </summary>
public sealed class IlgpuCpuWideGroupBeamSuite : DeviceBeamSuite
{
    protected override IlgpuBackend CreateBackend() =>
        IlgpuBackend.Open(Context.Create(b => b.CPU(new CPUDevice(numThreadsPerWarp: 16, numWarpsPerMultiprocessor: 16, numMultiprocessors: 1))),
            c => c.GetCPUDevice(0), "ilgpu-cpu-256", _ => { });
}

/// <summary>The beams on the first usable CUDA device (16 × 16 work groups); skipped, with the reason, where there is none.</summary>
[RequiresDevice("cuda")]
public sealed class CudaBeamSuite : DeviceBeamSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("cuda");
}

/// <summary>The beams on the first usable OpenCL device; skipped, with the reason, where there is none.</summary>
[RequiresDevice("opencl")]
public sealed class OpenClBeamSuite : DeviceBeamSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("opencl");
}
