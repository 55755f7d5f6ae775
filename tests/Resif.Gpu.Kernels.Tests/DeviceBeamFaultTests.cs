using ILGPU;
using ILGPU.Runtime.CPU;
using Resif.Gpu.Core;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>A device failing inside a beam: the call reruns on the CPU backend from its intact input, bit for bit.</summary>
public sealed class DeviceBeamFaultTests
{
    private static IlgpuBackend Open(List<string> log) => IlgpuBackend.Open(Context.Create(b => b.CPU()), c => c.GetCPUDevice(0), "ilgpu-cpu", log.Add);

    [Fact]
    public void A_station_beam_that_loses_the_device_in_its_last_download_is_rerun_on_the_cpu()
    {
        const int stations = 3, samples = 96, window = 32, step = 16, nfft = 32, points = 4;
        float[] x = Signal(stations, samples, seed: 21);
        float[] shifts = Enumerable.Range(0, stations * points).Select(i => 0.01f * (i % 7 - 3)).ToArray();
        int windows = (samples - window) / step + 1;
        var log = new List<string>();
        using IlgpuBackend backend = Open(log);
        using var recorder = new FallbackRecorder(backend);
        using var cpu = new CpuBackend();
        // Upload, the kernels and the download of the relative map pass; the download of the absolute map fails, so the
        // CPU rerun must overwrite a relative map the device already wrote.
        backend.FailDeviceSteps(1, after: 3);

        var relative = new float[windows * points];
        var absolute = new float[windows * points];
        backend.StationBeam(x, stations, samples, shifts, points, window, step, nfft, 1, 5, 1f / (0.01f * nfft), true, false, relative, absolute);
        var expectedRelative = new float[windows * points];
        var expectedAbsolute = new float[windows * points];
        cpu.StationBeam(x, stations, samples, shifts, points, window, step, nfft, 1, 5, 1f / (0.01f * nfft), true, false, expectedRelative, expectedAbsolute);
        Assert.Equal(expectedRelative, relative);
        Assert.Equal(expectedAbsolute, absolute);
        Assert.Equal(new[] { (nameof(IlgpuBackend.StationBeam), "device_error") }, recorder.Calls);
        Assert.NotNull(backend.DisabledReason);
    }

    [Fact]
    public void A_frequency_domain_beam_that_runs_out_of_device_memory_is_rerun_on_the_cpu_and_the_device_stays_enabled()
    {
        const int channels = 4, samples = 64, window = 16;
        float[] x = Signal(channels, samples, seed: 22);
        double[] offsets = [0, 10, 20, 30];
        double[] slownesses = [-1e-3, 0, 1e-3];
        using IlgpuBackend backend = Open([]);
        using var recorder = new FallbackRecorder(backend);
        using var cpu = new CpuBackend();
        backend.FailDeviceSteps(1, after: 1, fault: () => new OutOfMemoryException("simulated: device memory exhausted"));

        var power = new float[slownesses.Length * (samples / window)];
        backend.SlownessBeam(x, channels, samples, offsets, 0.01, slownesses, window, frequencyDomain: true, power);
        var expected = new float[power.Length];
        cpu.SlownessBeam(x, channels, samples, offsets, 0.01, slownesses, window, frequencyDomain: true, expected);
        Assert.Equal(expected, power);
        Assert.Equal(new[] { (nameof(IlgpuBackend.SlownessBeam), "out_of_memory") }, recorder.Calls);
        Assert.Null(backend.DisabledReason);
    }
}
