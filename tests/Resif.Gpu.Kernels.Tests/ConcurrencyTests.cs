using Resif.Gpu.Core;
using Resif.Gpu.Core.Tests.Backends;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// The server shares one backend between requests: callers on many threads at once must get exactly the bytes they
/// get one at a time (the device is deterministic, so any interleaving bug shows as a difference). On ILGPU's CPU
/// accelerator this guards the backend's own shared state (kernel cache, fallback state); the CUDA run (on a GPU
/// machine) also exercises binding the context on every thread-pool thread.
/// </summary>
public abstract class ConcurrencySuite
{
    protected abstract string DeviceKind { get; }

    private const int Callers = 6, Rows = 3, Columns = 256;

    private static readonly Lazy<double[]> Lowpass = new(() => ScipySos("signal.butter(4, 10.0, 'lowpass', fs=100.0, output='sos')"));

    /// <summary>Several kernel families back to back, each a separate upload/compute/download, on caller-specific data.</summary>
    private static float[] Work(IlgpuBackend backend, int caller)
    {
        float[] x = Signal(Rows, Columns, seed: 100 + caller);
        backend.SosFilter(x, Rows, Columns, Lowpass.Value, SosMode.ZeroPhaseOddPad);
        var decimated = new float[Rows * Columns / 2];
        backend.SosFilterDecimate(x, Rows, Columns, Lowpass.Value, SosMode.Causal, 2, decimated);
        var ratio = new float[decimated.Length];
        backend.StaLta(decimated, ratio, Rows, Columns / 2, 4, 16, recursive: true);
        backend.Envelope(x, Rows, Columns);
        var spectrum = new float[2 * x.Length];
        backend.Fk(x, 2, Columns, 1.0, spectrum); // 2 × 256 on the device
        var delegated = new float[2 * x.Length];
        backend.Fk(x, Rows + 1, Columns * Rows / (Rows + 1), 1.0, delegated); // 4 × 192: Bluestein along time
        return [.. ratio, .. x, .. spectrum, .. delegated];
    }

    [BackendFact]
    public async Task Parallel_callers_on_one_backend_get_the_bytes_of_sequential_calls()
    {
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[][] sequential = Enumerable.Range(0, Callers).Select(i => Work(backend, i)).ToArray();

        using var start = new Barrier(Callers);
        float[][] parallel = await Task.WhenAll(Enumerable.Range(0, Callers).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return Work(backend, i);
        }, TaskCreationOptions.LongRunning)));

        for (int i = 0; i < Callers; i++) Assert.Equal(sequential[i], parallel[i]);
        Assert.Null(backend.DisabledReason);
    }

    [BackendFact]
    public async Task Parallel_reductions_through_resident_pipelines_get_the_bytes_of_one_alone()
    {
        var (store, plan) = ResidentPipelineSuite.Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[] alone = await ResidentPipelineSuite.Reduce(store, plan, backend);
        long uploads = backend.Uploads;

        float[][] together = await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(() => ResidentPipelineSuite.Reduce(store, plan, backend))));

        Assert.All(together, result => Assert.Equal(alone, result));
        Assert.Equal(Callers * 2, backend.Uploads - uploads); // still resident: one upload per block
    }
}

public sealed class IlgpuCpuConcurrency : ConcurrencySuite
{
    protected override string DeviceKind => "ilgpu-cpu";
}

[RequiresDevice("cuda")]
public sealed class CudaConcurrency : ConcurrencySuite
{
    protected override string DeviceKind => "cuda";
}
