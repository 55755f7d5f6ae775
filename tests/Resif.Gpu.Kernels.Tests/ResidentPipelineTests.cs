using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Core.Tests.Backends;
using Resif.Gpu.Testing;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// Data-resident pipelines through the real plan and executor: one upload and one download per channel block, the
/// same numbers as the CPU backend running the operations one by one.
/// </summary>
public abstract class ResidentPipelineSuite
{
    /// <summary>
    /// |device − cpu| ≤ 1e-5 of the peak: both backends round every stage to float32 and differ only in float64
    /// summation order inside a stage (an occasional 1-ulp float32 flip, 6e-8 relative); four stages, amplified a few
    /// times by the energy ratio, stay well below, while any wrong coefficient, window or decimation phase is far above.
    /// </summary>
    private const double Tolerance = 1e-5;

    // 20 channels with blocks of 16: two blocks, the second partial.
    private const int Channels = 20, Samples = 1000;

    protected abstract string DeviceKind { get; }

    internal static readonly string[] Detector = ["bandpass:freqmin=1,freqmax=10,zerophase=true", "decimate:factor=2", "abs", "stalta:sta=0.2,lta=2"];

    internal static (InMemoryArrayStore Store, ReductionPlan Plan) Planned(string[] operations)
    {
        var store = new InMemoryArrayStore();
        store.Add("a", Signal(Channels, Samples, seed: 77), Channels, Samples, dt: 0.01, dx: 4);
        var request = new ReductionRequest("a", Selection.All, operations.Select(OperationRequest.Parse).ToArray());
        var plan = ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, 0, blockBytes: 16 * Samples * sizeof(float));
        return (store, plan);
    }

    internal static async Task<float[]> Reduce(InMemoryArrayStore store, ReductionPlan plan, IBackend backend)
    {
        var bytes = new List<byte>();
        using var source = store.Open("a");
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
            if (part is ResultChunk chunk) bytes.AddRange(chunk.Data.ToArray());
        var values = new float[bytes.Count / sizeof(float)];
        Buffer.BlockCopy(bytes.ToArray(), 0, values, 0, bytes.Count);
        return values;
    }

    [BackendFact]
    public async Task Bandpass_decimate_abs_stalta_moves_each_block_once_each_way_and_matches_the_cpu()
    {
        var (store, plan) = Planned(Detector);
        Assert.Equal(16, plan.ChannelsPerBlock);
        using var cpu = new CpuBackend();
        float[] expected = await Reduce(store, plan, cpu);

        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        long uploads = backend.Uploads, downloads = backend.Downloads;
        float[] actual = await Reduce(store, plan, backend);

        Assert.Equal(2, backend.Uploads - uploads);
        Assert.Equal(2, backend.Downloads - downloads);
        AssertClose(expected, actual, Tolerance, "resident detector pipeline");
    }

    [BackendFact]
    public async Task Every_described_filter_and_detector_chains_on_the_device()
    {
        string[] chain =
        [
            "detrend:type=linear", "taper:max_percentage=0.05", "highpass:freq=0.5,corners=2", "lowpass:freq=20,zerophase=true,pad=odd", "envelope",
            "resample:rate=50", "decimate:factor=2,method=fir", "decimate:factor=1", "normalize:type=std", "rms:window=0.2",
        ];
        var (store, plan) = Planned(chain);
        using var cpu = new CpuBackend();
        float[] expected = await Reduce(store, plan, cpu);

        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        long uploads = backend.Uploads;
        float[] actual = await Reduce(store, plan, backend);

        Assert.Equal(2, backend.Uploads - uploads);
        // Ten stages instead of four: the same per-stage argument with room for twice as many roundings.
        AssertClose(expected, actual, 2 * Tolerance, "resident filter chain");
    }

    [BackendFact]
    public async Task An_fk_filter_chains_on_the_device_over_every_channel()
    {
        string[] chain = ["bandpass:freqmin=1,freqmax=20", "fkfilter:va=100,vb=200,vc=2000,vd=4000", "abs"];
        var (store, plan) = Planned(chain);
        Assert.Equal(Channels, plan.ChannelsPerBlock); // fkfilter mixes channels: one block
        using var cpu = new CpuBackend();
        float[] expected = await Reduce(store, plan, cpu);

        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        long uploads = backend.Uploads, downloads = backend.Downloads;
        float[] actual = await Reduce(store, plan, backend);

        Assert.Equal(2, backend.Uploads - uploads); // the block and its FK mask
        Assert.Equal(1, backend.Downloads - downloads);
        // 2-D transforms of 20 x 1000 (Bluestein on both axes) in float64 on both backends: 1e-5 as for the FFT kernels.
        AssertClose(expected, actual, Tolerance, "resident fk filter chain");
    }

    [BackendFact]
    public void A_pipeline_with_an_operation_that_has_no_device_step_is_left_to_the_normal_path()
    {
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        // fk (complex or power output) and beam describe no single kernel step.
        foreach (string[] operations in new[] { new[] { "abs", "fk" }, new[] { "detrend", "beam:smin=-0.001,smax=0.001,ns=3,window=1" } })
        {
            var (_, plan) = Planned(operations);
            var block = new Block(plan.Input, new float[Channels * Samples]);
            long uploads = backend.Uploads;
            Assert.Null(backend.TryRunResident(plan.Operations, block, CancellationToken.None));
            Assert.Equal(uploads, backend.Uploads);
        }
    }
}

public sealed class IlgpuCpuResidentPipelines : ResidentPipelineSuite
{
    protected override string DeviceKind => "ilgpu-cpu";

    [Fact]
    public async Task A_device_lost_in_the_second_block_finishes_the_request_on_the_cpu()
    {
        var (store, plan) = Planned(Detector);
        using var cpu = new CpuBackend();
        float[] expected = await Reduce(store, plan, cpu);

        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        using var recorder = new FallbackRecorder(backend);
        // The executor streams both blocks: block 1's upload and wait, block 2's upload, block 1's seven kernel steps,
        // the wait and the queued download of block 1 take 12 device steps; block 2's wait and first kernel steps follow,
        // and the 17th step fails mid-chain, with block 1 still on its way out: both blocks are declined.
        backend.FailDeviceSteps(1, after: 16);
        float[] actual = await Reduce(store, plan, backend);

        Assert.Equal(("ResidentPipeline", "device_error"), recorder.Calls[0]);
        Assert.NotNull(backend.DisabledReason);
        Assert.All(recorder.Calls.Skip(1), call => Assert.Equal("device_disabled", call.Cause));
        AssertClose(expected, actual, 1e-5, "request finished on the cpu");
        // Both blocks then ran entirely on the CPU backend (the device is disabled): the CPU's bytes exactly.
        Assert.Equal(expected, actual);
    }
}

[RequiresDevice("cuda")]
public sealed class CudaResidentPipelines : ResidentPipelineSuite
{
    protected override string DeviceKind => "cuda";
}
