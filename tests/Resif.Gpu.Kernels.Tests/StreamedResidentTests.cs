using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Core.Tests.Backends;
using Resif.Gpu.Testing;
using static Resif.Gpu.Core.Tests.Backends.BackendReference;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>
/// <see cref="IResidentPipelines.RunResident"/>: a sequence of channel blocks whose copies overlap the compute of the
/// neighbouring block, cut into channel pieces under a memory budget. The reference is the synchronous
/// <see cref="IResidentPipelines.TryRunResident"/> on each block: the same kernels on the same rows, so the bytes must
/// be identical (any reordering, stale staging buffer or misplaced piece shows as a difference).
/// </summary>
public abstract class StreamedResidentSuite
{
    private const int Channels = 20, Samples = 1000;

    protected abstract string DeviceKind { get; }

    /// <summary>Five blocks of four channels, each with different data (a block swap would show).</summary>
    internal static (InMemoryArrayStore Store, ReductionPlan Plan, Block[] Blocks) Planned(string[] operations, int channelsPerBlock = 4)
    {
        var store = new InMemoryArrayStore();
        float[] values = Signal(Channels, Samples, seed: 31);
        store.Add("a", values, Channels, Samples, dt: 0.01, dx: 4);
        var request = new ReductionRequest("a", Selection.All, operations.Select(OperationRequest.Parse).ToArray());
        // The blocks are cut here rather than by the plan, which would stream small blocks in time chunks instead.
        var plan = ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, 0);
        var blocks = new List<Block>();
        for (int first = 0; first < Channels; first += channelsPerBlock)
        {
            int count = Math.Min(channelsPerBlock, Channels - first);
            var layout = plan.Input with { Shape = [count, Samples], Coords = [plan.Input.Coords[0].Slice(first, count), plan.Input.Coords[1]] };
            blocks.Add(new Block(layout, values.AsSpan(first * Samples, count * Samples).ToArray()));
        }
        return (store, plan, blocks.ToArray());
    }

    internal static float[][] Synchronous(IlgpuBackend backend, ReductionPlan plan, Block[] blocks) =>
        blocks.Select(b => backend.TryRunResident(plan.Operations, b, CancellationToken.None)!.Values.ToArray()).ToArray();

    [BackendFact]
    public void A_block_sequence_gives_each_block_the_bytes_of_the_synchronous_chain_in_order()
    {
        var (_, plan, blocks) = Planned(ResidentPipelineSuite.Detector);
        Assert.Equal(5, blocks.Length);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[][] expected = Synchronous(backend, plan, blocks);
        long uploads = backend.Uploads, downloads = backend.Downloads;

        ResidentResult[] results = backend.RunResident(plan.Operations, blocks, CancellationToken.None).ToArray();

        Assert.Equal(blocks, results.Select(r => r.Input));
        for (int i = 0; i < blocks.Length; i++) Assert.Equal(expected[i], results[i].Output!.Values.ToArray());
        Assert.Equal(blocks.Length, backend.Uploads - uploads); // the whole block fits the default budget: one piece each
        Assert.Equal(blocks.Length, backend.Downloads - downloads);
    }

    [BackendFact]
    public void A_budget_smaller_than_a_block_cuts_it_into_channel_pieces_with_the_same_bytes()
    {
        string[] chain = ["detrend:type=linear", "taper:max_percentage=0.05", "bandpass:freqmin=1,freqmax=10,zerophase=true", "envelope", "decimate:factor=2", "rms:window=0.2"];
        var (_, plan, blocks) = Planned(chain, channelsPerBlock: Channels);
        Block block = Assert.Single(blocks);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[] whole = Synchronous(backend, plan, blocks)[0];

        // Room for a few channels only: the SOS work copy alone takes 5 × 4 kB per 1000-sample channel.
        backend.MemoryBudgetBytes = 100_000;
        Assert.Null(backend.TryRunResident(plan.Operations, block, CancellationToken.None)); // the synchronous path declines it
        long uploads = backend.Uploads;
        ResidentResult result = Assert.Single(backend.RunResident(plan.Operations, blocks, CancellationToken.None));

        long pieces = backend.Uploads - uploads;
        Assert.InRange(pieces, 3, Channels); // cut, and never below one channel per piece
        Assert.Equal(whole, result.Output!.Values.ToArray());
    }

    [BackendFact]
    public async Task A_tiny_budget_through_the_executor_gives_the_bytes_of_the_default_budget()
    {
        var (store, plan) = ResidentPipelineSuite.Planned(ResidentPipelineSuite.Detector); // blocks of 16 and 4 channels
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[] unchunked = await ResidentPipelineSuite.Reduce(store, plan, backend);

        backend.MemoryBudgetBytes = 60_000; // a couple of 1000-sample channels
        long uploads = backend.Uploads;
        float[] chunked = await ResidentPipelineSuite.Reduce(store, plan, backend);

        Assert.True(backend.Uploads - uploads > 2, $"{backend.Uploads - uploads} uploads for 2 blocks: the budget did not cut them");
        Assert.Equal(unchunked, chunked);
    }

    [BackendFact]
    public void A_budget_below_one_channel_or_a_channel_mixing_chain_over_budget_is_declined_untouched()
    {
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        var (_, detector, blocks) = Planned(ResidentPipelineSuite.Detector);
        var (_, fk, whole) = Planned(["bandpass:freqmin=1,freqmax=20", "fkfilter:va=100,vb=200,vc=2000,vd=4000"], channelsPerBlock: Channels);
        float[][] before = blocks.Select(b => b.Values.ToArray()).ToArray();
        // The fk chain fits the default budget and runs; a budget under the whole block would have to cut channels it mixes.
        Assert.NotNull(Assert.Single(backend.RunResident(fk.Operations, whole, CancellationToken.None)).Output);

        backend.MemoryBudgetBytes = 1000;
        long uploads = backend.Uploads;
        ResidentResult[] declined = backend.RunResident(detector.Operations, blocks, CancellationToken.None).ToArray();
        backend.MemoryBudgetBytes = 300_000; // about ten of the twenty channels (5 × 4 kB work + 8 kB of copies each)
        Assert.Null(Assert.Single(backend.RunResident(fk.Operations, whole, CancellationToken.None)).Output);

        Assert.Equal(blocks, declined.Select(r => r.Input));
        Assert.All(declined, r => Assert.Null(r.Output));
        Assert.Equal(uploads, backend.Uploads);
        Assert.Equal(before, blocks.Select(b => b.Values.ToArray()));
    }

    [BackendFact]
    public void Cancelling_mid_sequence_throws_releases_the_source_and_leaves_the_device_usable()
    {
        var (_, plan, blocks) = Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[][] expected = Synchronous(backend, plan, blocks);
        var source = new TrackedBlocks(blocks);
        using var cancellation = new CancellationTokenSource();

        using (IEnumerator<ResidentResult> results = backend.RunResident(plan.Operations, source, cancellation.Token).GetEnumerator())
        {
            Assert.True(results.MoveNext());
            Assert.Equal(expected[0], results.Current.Output!.Values.ToArray());
            cancellation.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => results.MoveNext());
        }

        Assert.True(source.Disposed);
        Assert.True(source.Pulled < blocks.Length, $"pulled all {source.Pulled} blocks despite the cancellation");
        Assert.Null(backend.DisabledReason);
        ResidentResult[] again = backend.RunResident(plan.Operations, blocks, CancellationToken.None).ToArray();
        for (int i = 0; i < blocks.Length; i++) Assert.Equal(expected[i], again[i].Output!.Values.ToArray());
    }

    [BackendFact]
    public async Task A_reduction_cancelled_after_its_first_chunk_stops_and_leaves_the_device_usable()
    {
        var (store, plan) = ResidentPipelineSuite.Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[] expected = await ResidentPipelineSuite.Reduce(store, plan, backend);
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var source = store.Open("a");
            await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend, cancellation.Token))
                if (part is ResultChunk) cancellation.Cancel();
        });

        Assert.Null(backend.DisabledReason);
        Assert.Equal(expected, await ResidentPipelineSuite.Reduce(store, plan, backend));
    }

    [BackendFact]
    public void A_source_that_fails_mid_sequence_propagates_its_error_and_leaves_the_device_enabled()
    {
        var (_, plan, blocks) = Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);

        var error = Assert.Throws<IOException>(() => backend.RunResident(plan.Operations, FailingAfter(blocks, 2), CancellationToken.None).ToArray());

        Assert.Equal("disk gone", error.Message);
        Assert.Null(backend.DisabledReason);
        Assert.Equal(blocks.Length, backend.RunResident(plan.Operations, blocks, CancellationToken.None).Count(r => r.Output is not null));
    }

    private static IEnumerable<Block> FailingAfter(Block[] blocks, int count)
    {
        foreach (Block block in blocks.Take(count)) yield return block;
        throw new IOException("disk gone");
    }

    /// <summary>Blocks handed out one by one, remembering how many were pulled and whether the enumeration was released.</summary>
    private sealed class TrackedBlocks(Block[] blocks) : IEnumerable<Block>
    {
        public int Pulled { get; private set; }

        public bool Disposed { get; private set; }

        public IEnumerator<Block> GetEnumerator()
        {
            try
            {
                foreach (Block block in blocks)
                {
                    Pulled++;
                    yield return block;
                }
            }
            finally
            {
                Disposed = true;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

public sealed class IlgpuCpuStreamedResident : StreamedResidentSuite
{
    protected override string DeviceKind => "ilgpu-cpu";

    [Fact]
    public void The_memory_fraction_sets_the_budget_as_a_share_of_the_device_and_refuses_values_outside_zero_to_one()
    {
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        long byDefault = backend.MemoryBudgetBytes;
        backend.UseMemoryFraction(1);
        long whole = backend.MemoryBudgetBytes;
        backend.UseMemoryFraction(0.25);

        Assert.Equal(IlgpuBackend.DefaultMemoryFraction * whole, byDefault, tolerance: 1e-12 * whole); // double rounding of a large size
        Assert.Equal(0.25 * whole, backend.MemoryBudgetBytes, tolerance: 1e-12 * whole);
        foreach (double wrong in new[] { 0, -0.5, 1.01, double.NaN })
            Assert.Throws<ArgumentOutOfRangeException>(() => backend.UseMemoryFraction(wrong));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.MemoryBudgetBytes = 0);
    }

    [Fact]
    public async Task The_trailer_names_the_device_as_it_ended_so_a_gpu_lost_mid_reduction_shows()
    {
        var (store, plan) = ResidentPipelineSuite.Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        var healthy = await HeaderAndTrailer(store, plan, backend);
        backend.FailDeviceSteps(1, after: 16); // mid-chain of the second block (see ResidentPipelineSuite's device-loss test)
        var failed = await HeaderAndTrailer(store, plan, backend);

        Assert.Equal(healthy.Header.Device, healthy.Trailer.Device);
        Assert.Equal(healthy.Header.Device, failed.Header.Device); // the header went out before the failure
        Assert.Contains("disabled after a device failure", failed.Trailer.Device);
    }

    private static async Task<(ResultHeader Header, ResultTrailer Trailer)> HeaderAndTrailer(InMemoryArrayStore store, ReductionPlan plan, IBackend backend)
    {
        ResultHeader? header = null;
        ResultTrailer? trailer = null;
        using var source = store.Open("a");
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
        {
            if (part is ResultHeader h) header = h;
            if (part is ResultTrailer t) trailer = t;
        }
        return (header!, trailer!);
    }

    /// <summary>
    /// A pipeline turn takes about a dozen device steps. The first turn: the first upload (step 1), its wait (2), the
    /// next block's upload (3), the detector's kernels (4–10), the compute wait (11), the queued download (12); 23 is
    /// the second turn's wait for that download, 31 lands in the third turn with the second block on its way out. The
    /// parameter is the number of steps that succeed: the next one fails.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(22)]
    [InlineData(30)]
    public void A_device_lost_at_any_stage_keeps_the_finished_blocks_and_declines_the_rest_untouched(int stepsBeforeTheFault)
    {
        var (_, plan, blocks) = Planned(ResidentPipelineSuite.Detector);
        using IlgpuBackend backend = TestDevices.Open(DeviceKind);
        float[][] expected = Synchronous(backend, plan, blocks);
        float[][] inputs = blocks.Select(b => b.Values.ToArray()).ToArray();
        using var recorder = new FallbackRecorder(backend);
        backend.FailDeviceSteps(1, after: stepsBeforeTheFault);

        ResidentResult[] results = backend.RunResident(plan.Operations, blocks, CancellationToken.None).ToArray();

        Assert.Equal(blocks, results.Select(r => r.Input));
        int finished = results.TakeWhile(r => r.Output is not null).Count();
        Assert.InRange(finished, 0, blocks.Length - 1);
        if (stepsBeforeTheFault == 30) Assert.Equal(1, finished);
        for (int i = 0; i < finished; i++) Assert.Equal(expected[i], results[i].Output!.Values.ToArray());
        Assert.All(results.Skip(finished), r => Assert.Null(r.Output)); // declined: the caller runs them op by op
        Assert.Equal(inputs, blocks.Select(b => b.Values.ToArray()));
        Assert.Equal([("ResidentPipeline", "device_error")], recorder.Calls);
        Assert.NotNull(backend.DisabledReason);
    }
}

[RequiresDevice("cuda")]
public sealed class CudaStreamedResident : StreamedResidentSuite
{
    protected override string DeviceKind => "cuda";
}
