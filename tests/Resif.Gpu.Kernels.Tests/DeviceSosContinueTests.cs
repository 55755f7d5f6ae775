using ILGPU;
using ILGPU.Runtime.CPU;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Core.Tests.Backends;
using Resif.Gpu.Testing;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// <see cref="IFilterKernels.SosFilterContinue"/> on the device: time chunks carrying the float64 section state, as a
/// time-chunked causal plan calls it. Written once, run per device.
/// </summary>
public abstract class DeviceSosContinueSuite : IDisposable
{
    private IlgpuBackend? backend;

    /// <summary>Built on first use, so a skipped suite never touches its device.</summary>
    private IlgpuBackend Backend => backend ??= CreateBackend();

    protected abstract IlgpuBackend CreateBackend();

    private static readonly Lazy<double[]> Bandpass = new(() => ScipySos("signal.butter(4, [2.0, 15.0], 'bandpass', fs=100.0, output='sos')"));

    private const int Rows = 5, Columns = 400;

    /// <summary>Uneven chunks, one of a single sample and one empty, as the executor's time windows may cut them.</summary>
    private static readonly int[] Chunks = [123, 1, 0, 150, 126];

    /// <summary>Runs <paramref name="data"/> chunk by chunk through <paramref name="filters"/>, carrying <paramref name="state"/>.</summary>
    private static float[] RunChunked(IFilterKernels filters, float[] data, double[] sos, double[] state)
    {
        var output = new float[data.Length];
        int start = 0;
        foreach (int width in Chunks)
        {
            var chunk = new float[Rows * width];
            for (int r = 0; r < Rows; r++) data.AsSpan(r * Columns + start, width).CopyTo(chunk.AsSpan(r * width));
            filters.SosFilterContinue(chunk, Rows, width, sos, state);
            for (int r = 0; r < Rows; r++) chunk.AsSpan(r * width, width).CopyTo(output.AsSpan(r * Columns + start));
            start += width;
        }
        Assert.Equal(Columns, start);
        return output;
    }

    /// <summary>Each row starts in the steady state for its first sample (sosfilt_zi · x[0]): a non-zero state to carry in.</summary>
    private static double[] SteadyStart(float[] data, double[] sos)
    {
        double[] steady = FilterDesign.SteadyStateState(sos);
        var state = new double[Rows * steady.Length];
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < steady.Length; i++) state[r * steady.Length + i] = steady[i] * data[r * Columns];
        }
        return state;
    }

    // Against SciPy: sosfilt(sos, row, zi=sosfilt_zi(sos)·row[0]) and its final state zf. Float64 recursion on both
    // sides, the device rounds each output once to float32 (≈6e-8 of the value): 1e-6 of the peak leaves an order of
    // magnitude for the different operation order; the float64 state carries no float32 rounding but is fed the same
    // float32-stored outputs' inputs, so it gets the same relative bound.
    [BackendFact]
    public void Chunks_started_from_a_steady_state_match_scipy_sosfilt_with_zi_and_leave_its_final_state()
    {
        double[] sos = Bandpass.Value;
        float[] x = Signal(Rows, Columns, seed: 11);
        double[] state = SteadyStart(x, sos);
        float[] actual = RunChunked(Backend, x, sos, state);

        float[] expected = Python.Apply(x, [Rows, Columns], $$"""
            sos = np.array({{PythonList(sos)}}).reshape(-1, 6)
            zi = signal.sosfilt_zi(sos)
            runs = [signal.sosfilt(sos, row, zi=zi * row[0]) for row in x]
            y = np.concatenate([np.concatenate([r[0] for r in runs]), np.concatenate([r[1].ravel() for r in runs])])
            """);
        AssertClose(expected.AsSpan(0, Rows * Columns), actual, 1e-6, "chunked output vs sosfilt");
        float[] finalState = state.Select(v => (float)v).ToArray();
        AssertClose(expected.AsSpan(Rows * Columns), finalState, 1e-6, "final state vs sosfilt's zf");
    }

    // Against the CPU backend on the same chunks: both run the same float64 recursion on the same float32 inputs, so
    // only the order of a few float64 operations (FMA contraction, a0 normalisation) may differ — far below one float32
    // ulp (6e-8) of the outputs, which may at most flip in their last bit; the states agree to 1e-12 of their peak.
    [BackendFact]
    public void Chunks_agree_with_the_cpu_backend_on_outputs_and_carried_states()
    {
        double[] sos = Bandpass.Value;
        float[] x = Signal(Rows, Columns, seed: 12);
        double[] deviceState = SteadyStart(x, sos), cpuState = SteadyStart(x, sos);
        float[] onDevice = RunChunked(Backend, x, sos, deviceState);
        using var cpu = new CpuBackend();
        float[] onCpu = RunChunked(cpu, x, sos, cpuState);

        AssertClose(onCpu, onDevice, 1.2e-7, "device vs CPU chunks");
        double peak = cpuState.Max(Math.Abs);
        for (int i = 0; i < cpuState.Length; i++)
        {
            Assert.True(Math.Abs(cpuState[i] - deviceState[i]) <= 1e-12 * peak, $"state {i}: device {deviceState[i]} vs CPU {cpuState[i]}");
        }
    }

    // From rest, chunks equal one causal call over the whole rows bit for bit: the same kernel runs the same float64
    // operations, and the state crosses the chunk boundary in float64 (nothing is rounded there).
    [BackendFact]
    public void Chunks_from_rest_equal_one_whole_causal_call_exactly()
    {
        double[] sos = Bandpass.Value;
        float[] x = Signal(Rows, Columns, seed: 13);
        float[] chunked = RunChunked(Backend, x, sos, new double[Rows * 2 * FilterDesign.SectionCount(sos)]);
        float[] whole = (float[])x.Clone();
        Backend.SosFilter(whole, Rows, Columns, sos, SosMode.Causal);
        Assert.Equal(whole, chunked);
    }

    // A time-chunked plan through the real executor: causal and zero-phase streams both carry their state through
    // SosFilterContinue, now on the device. Against the CPU backend on the same plan: each chunk agrees to a float32 ulp
    // or so (see above), zero-phase streams add a backward pass over float32 pieces, so 1e-6 of the peak (a few ulps).
    [BackendFact]
    public async Task A_time_chunked_plan_runs_its_filters_on_the_device_and_matches_the_cpu_backend()
    {
        const int channels = 6, samples = 1000;
        var store = new InMemoryArrayStore();
        store.Add("a", Signal(channels, samples, seed: 15), channels, samples, dt: 0.01, dx: 4);
        string[] operations = ["bandpass:freqmin=1,freqmax=10", "highpass:freq=0.5,zerophase=true"];
        var request = new ReductionRequest("a", Selection.All, operations.Select(OperationRequest.Parse).ToArray());
        var plan = ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, 0, blockBytes: 1L << 20, timeChunkSamples: 97);
        Assert.Equal(97, plan.TimeChunkSamples);

        using var cpu = new CpuBackend();
        float[] expected = await ResidentPipelineSuite.Reduce(store, plan, cpu);
        using var recorder = new FallbackRecorder(Backend);
        long uploads = Backend.Uploads;
        float[] actual = await ResidentPipelineSuite.Reduce(store, plan, Backend);

        Assert.Empty(recorder.Calls);
        Assert.True(Backend.Uploads - uploads >= samples / 97, $"{Backend.Uploads - uploads} uploads: the chunks did not run on the device");
        AssertClose(expected, actual, 1e-6, "time-chunked plan, device vs CPU");
    }

    [BackendFact]
    public void A_state_too_short_for_the_rows_is_the_callers_error()
    {
        double[] sos = Bandpass.Value;
        var shortState = new double[Rows * 2 * FilterDesign.SectionCount(sos) - 1];
        var e = Assert.Throws<ArgumentException>(() => Backend.SosFilterContinue(new float[Rows * 10], Rows, 10, sos, shortState));
        Assert.Equal("state", e.ParamName);
        Assert.Null(Backend.DisabledReason);
    }

    public void Dispose()
    {
        backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The suite on ILGPU's CPU accelerator: the kernel's logic, emulated thread by thread.</summary>
public sealed class IlgpuCpuDeviceSosContinue : DeviceSosContinueSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("ilgpu-cpu");
}

/// <summary>The suite on the first usable CUDA device; skipped, with the reason, where there is none.</summary>
[RequiresDevice("cuda")]
public sealed class CudaDeviceSosContinue : DeviceSosContinueSuite
{
    protected override IlgpuBackend CreateBackend() => TestDevices.Open("cuda");
}

/// <summary>The device path of SosFilterContinue when the device fails, and what provenance says is delegated.</summary>
public sealed class DeviceSosContinueFaultTests
{
    [Fact]
    public void A_download_that_fails_leaves_data_and_state_intact_for_the_cpu_rerun()
    {
        const int rows = 3, columns = 200;
        double[] sos = FilterDesign.Butterworth(4, FilterBand.Bandpass, 0.04, 0.3);
        float[] input = Signal(rows, columns, seed: 14);
        double[] initial = Enumerable.Range(0, rows * 2 * FilterDesign.SectionCount(sos)).Select(i => 0.01 * (i % 7) - 0.03).ToArray();
        using IlgpuBackend backend = IlgpuBackend.Open(Context.Create(b => b.CPU()), c => c.GetCPUDevice(0), "ilgpu-cpu", _ => { });
        using var recorder = new FallbackRecorder(backend);

        float[] data = (float[])input.Clone();
        double[] state = (double[])initial.Clone();
        backend.FailDeviceSteps(1, after: 2); // upload, the cascade (state comes back inside it), then the data download fails
        backend.SosFilterContinue(data, rows, columns, sos, state);

        using var cpu = new CpuBackend();
        float[] reference = (float[])input.Clone();
        double[] referenceState = (double[])initial.Clone();
        cpu.SosFilterContinue(reference, rows, columns, sos, referenceState);
        Assert.Equal(reference, data);
        Assert.Equal(referenceState, state);
        Assert.Equal(new[] { (nameof(IlgpuBackend.SosFilterContinue), "device_error") }, recorder.Calls);
    }

    [Fact]
    public void No_kernel_family_method_is_delegated_to_the_cpu() => Assert.Empty(IlgpuBackend.DelegatedToCpu);
}
