using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ILGPU;
using ILGPU.Runtime.CPU;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Tests.Backends;
using Resif.Gpu.Kernels.Internal;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>Records what one backend adds to <see cref="IlgpuBackend.FallbackCounterName"/> (its own meter only).</summary>
internal sealed class FallbackRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<(string Kernel, string Cause)> calls = new();

    public FallbackRecorder(IlgpuBackend backend)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == backend.Meter && instrument.Name == IlgpuBackend.FallbackCounterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string kernel = "", cause = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "kernel") kernel = (string)tag.Value!;
                if (tag.Key == "cause") cause = (string)tag.Value!;
            }
            for (long i = 0; i < value; i++) calls.Enqueue((kernel, cause));
        });
        listener.Start();
    }

    public IReadOnlyList<(string Kernel, string Cause)> Calls => calls.ToArray();

    public void Dispose() => listener.Dispose();
}

/// <summary>
/// A device that fails mid-call: faults injected into device steps on ILGPU's CPU accelerator. The CPU backend rerun
/// must start from intact input, so its result equals the plain CPU backend's bit for bit.
/// </summary>
public sealed class DeviceFaultTests
{
    private static IlgpuBackend Open(List<string> log) => IlgpuBackend.Open(Context.Create(b => b.CPU()), c => c.GetCPUDevice(0), "ilgpu-cpu", log.Add);

    private static readonly Lazy<double[]> Bandpass = new(() => ScipySos("signal.butter(4, [2.0, 15.0], 'bandpass', fs=100.0, output='sos')"));

    [Fact]
    public void A_device_lost_after_the_upload_reruns_the_call_on_the_cpu_disables_the_device_and_counts_it()
    {
        const int rows = 3, columns = 256;
        float[] input = Signal(rows, columns, seed: 4);
        var log = new List<string>();
        using IlgpuBackend backend = Open(log);
        using var recorder = new FallbackRecorder(backend);
        using var cpu = new CpuBackend();

        float[] onDevice = (float[])input.Clone();
        backend.FailDeviceSteps(1, after: 1); // the upload succeeds, the filter launch fails
        backend.SosFilter(onDevice, rows, columns, Bandpass.Value, SosMode.ZeroPhase);
        float[] reference = (float[])input.Clone();
        cpu.SosFilter(reference, rows, columns, Bandpass.Value, SosMode.ZeroPhase);
        Assert.Equal(reference, onDevice);

        Assert.Equal(new[] { (nameof(IlgpuBackend.SosFilter), "device_error") }, recorder.Calls);
        Assert.NotNull(backend.DisabledReason);
        Assert.Contains("disabled", backend.Device);
        Assert.Single(log);
        Assert.Contains("disabled for the rest of this process", log[0]);

        // Later calls stay on the CPU without touching the device, are counted, and log nothing more.
        long uploads = backend.Uploads;
        var ratio = new float[input.Length];
        backend.StaLta(input, ratio, rows, columns, 5, 40, recursive: false);
        var expected = new float[input.Length];
        cpu.StaLta(input, expected, rows, columns, 5, 40, recursive: false);
        Assert.Equal(expected, ratio);
        Assert.Equal(uploads, backend.Uploads);
        Assert.Equal((nameof(IlgpuBackend.StaLta), "device_disabled"), recorder.Calls[^1]);
        Assert.Single(log);
    }

    [Fact]
    public void A_failure_in_the_final_download_of_an_in_place_kernel_leaves_the_input_for_the_cpu_rerun()
    {
        const int rows = 2, columns = 300;
        float[] input = Signal(rows, columns, seed: 8);
        using IlgpuBackend backend = Open([]);
        using var recorder = new FallbackRecorder(backend);
        using var cpu = new CpuBackend();

        float[] data = (float[])input.Clone();
        backend.FailDeviceSteps(1, after: 2); // upload, detrend launch, then the download fails
        backend.Detrend(data, rows, columns, DetrendType.Linear);
        float[] reference = (float[])input.Clone();
        cpu.Detrend(reference, rows, columns, DetrendType.Linear);
        Assert.Equal(reference, data);
        Assert.Single(recorder.Calls);
    }

    [Fact]
    public void Running_out_of_device_memory_falls_back_for_that_call_only()
    {
        const int rows = 2, columns = 128;
        float[] input = Signal(rows, columns, seed: 9);
        var log = new List<string>();
        using IlgpuBackend backend = Open(log);
        using var recorder = new FallbackRecorder(backend);

        backend.FailDeviceSteps(1, fault: () => new OutOfMemoryException("simulated: device memory exhausted"));
        float[] first = (float[])input.Clone();
        backend.Abs(first, first.Length);
        Assert.Equal(input.Select(Math.Abs), first);
        Assert.Equal(new[] { (nameof(IlgpuBackend.Abs), "out_of_memory") }, recorder.Calls);
        Assert.Null(backend.DisabledReason);
        Assert.Single(log);

        // The next call uses the device again.
        long uploads = backend.Uploads;
        float[] second = (float[])input.Clone();
        backend.Abs(second, second.Length);
        Assert.Equal(input.Select(Math.Abs), second);
        Assert.Equal(uploads + 1, backend.Uploads);
        Assert.Single(recorder.Calls);
    }

    [Fact]
    public void Argument_errors_are_the_callers_and_never_disable_the_device()
    {
        using IlgpuBackend backend = Open([]);
        using var recorder = new FallbackRecorder(backend);
        double[] badSection = [1, 0, 0, 0, 0, 0]; // a0 = 0
        Assert.Throws<ArgumentException>(() => backend.SosFilter(new float[20], 2, 10, badSection, SosMode.Causal));
        Assert.Empty(recorder.Calls);
        Assert.Null(backend.DisabledReason);
    }
}

/// <summary>
/// The whole shared kernel suite on an ILGPU backend whose device failed on its first call: every kernel-family
/// method must reach its CPU rerun with the right arguments (on the intact input).
/// </summary>
public sealed class DisabledDeviceBackendSuite : BackendSuite
{
    protected override IBackend CreateBackend()
    {
        IlgpuBackend backend = TestDevices.Open("ilgpu-cpu");
        backend.FailDeviceSteps(1, fault: () => new SimulatedDeviceFault("simulated launch failure"));
        backend.Abs(new float[4], 4);
        Assert.NotNull(backend.DisabledReason);
        return backend;
    }
}
