using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Pipeline;

public class ReductionExecutorTests
{
    private const long Channels = 37, Samples = 20_000;

    // Test-only operations without parameters: what differs is the name, whether channels are independent, the output
    // layout and the computation.
    private abstract class TestOperation(string name, string description, bool channelsIndependent) : OperationDescriptor, IOperation
    {
        public override string Name => name;
        public override string Description => description;
        public override IReadOnlyList<ParameterSpec> Parameters { get; } = [];
        public override IOperation Create(ParameterSet parameters) => this;
        IReadOnlyDictionary<string, string> IOperation.Parameters { get; } = new Dictionary<string, string>();
        public bool ChannelsIndependent => channelsIndependent;
        public virtual TensorLayout Plan(TensorLayout input) => input;
        public abstract Block Run(Block input, IBackend backend);
    }

    // A per-channel running sum in place: the output depends on every earlier sample of the channel, so a wrong block
    // boundary shows.
    private sealed class CumulativeSum() : TestOperation("cumsum", "running sum along time", channelsIndependent: true)
    {
        public override Block Run(Block input, IBackend backend)
        {
            for (int r = 0; r < input.Rows; r++)
            {
                var row = input.Values.Slice(r * input.Columns, input.Columns);
                for (int i = 1; i < row.Length; i++) row[i] += row[i - 1];
            }
            return input;
        }
    }

    private sealed class ChannelMean() : TestOperation("chanmean", "mean over channels", channelsIndependent: false)
    {
        public override TensorLayout Plan(TensorLayout input) => input with { Shape = [1, input.Shape[1]], Coords = [input.Coords[0].Slice(0, 1), input.Coords[1]] };

        public override Block Run(Block input, IBackend backend)
        {
            var output = new float[input.Columns];
            for (int r = 0; r < input.Rows; r++)
                for (int i = 0; i < output.Length; i++) output[i] += input.Values[r * input.Columns + i] / input.Rows;
            return new Block(Plan(input.Layout), output);
        }
    }

    // Channel-independent and writing a new array: the executor may then give the block's input array to a later read.
    private sealed class Negate() : TestOperation("negate", "minus the input, in a new array", channelsIndependent: true)
    {
        public override Block Run(Block input, IBackend backend)
        {
            var output = new float[input.Values.Length];
            for (int i = 0; i < output.Length; i++) output[i] = -input.Values[i];
            return new Block(input.Layout, output);
        }
    }

    private static readonly OperationRegistry Registry = new([new CumulativeSum(), new ChannelMean(), new Negate()]);

    private static (InMemoryArrayStore Store, float[] Data) MakeStore()
    {
        var random = new Random(42);
        var data = new float[Channels * Samples];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble() - 0.5f;
        var store = new InMemoryArrayStore();
        store.Add("a", data, Channels, Samples, dt: 0.001, dx: 2);
        return (store, data);
    }

    private static async Task<(List<ReductionPart> Parts, byte[] Bytes)> RunAsync(InMemoryArrayStore store, ReductionRequest request, long blockBytes)
    {
        var plan = ReductionPlan.Create(store.Describe("a"), request, Registry, defaultOutputBudget: 0, blockBytes);
        var parts = new List<ReductionPart>();
        using var output = new MemoryStream();
        using var source = store.Open("a");
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, new CpuBackend()))
        {
            parts.Add(part);
            if (part is ResultChunk chunk)
            {
                Assert.Equal(output.Length, chunk.Offset);
                Assert.InRange(chunk.Data.Length, 1, ReductionExecutor.ChunkBytes);
                output.Write(chunk.Data.Span);
            }
        }
        return (parts, output.ToArray());
    }

    [Fact]
    public async Task Output_is_the_same_for_any_block_size_and_matches_a_direct_computation()
    {
        var (store, data) = MakeStore();
        var request = new ReductionRequest("a", new Selection(ChannelStart: 3, ChannelStop: 36, ChannelStep: 2, TimeStart: 0.5, TimeEnd: 15),
            [new OperationRequest("cumsum", new Dictionary<string, string>())]);

        var (parts, whole) = await RunAsync(store, request, blockBytes: 1L << 30);
        var (_, blocked) = await RunAsync(store, request, blockBytes: 3 * 14_500 * 4);
        Assert.Equal(whole, blocked);

        // Direct computation of the selection's running sums.
        var expected = new List<float>();
        for (long c = 3; c < 36; c += 2)
        {
            float sum = 0;
            for (long t = 500; t < 15_000; t++) expected.Add(sum += data[c * Samples + t]);
        }
        Assert.Equal(expected.ToArray(), MemoryMarshal.Cast<byte, float>(whole).ToArray());

        var header = Assert.IsType<ResultHeader>(parts[0]);
        Assert.Equal([17L, 14_500L], header.Plan.Output.Shape);
        Assert.Equal(["select", "cumsum"], header.Plan.Provenance.Select(p => p.Name));
        var trailer = Assert.IsType<ResultTrailer>(parts[^1]);
        Assert.Equal(whole.Length, trailer.TotalBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(whole)), trailer.Sha256);
    }

    /// <summary>
    /// Chunks are slices of the output blocks and input arrays are reused for later reads: a chunk kept until the
    /// run ends must still hold its block's values, both when the operation wrote in place (the output is the input
    /// array, which must then not be reused) and when it wrote a new array (the input array is reused).
    /// </summary>
    [Theory]
    [InlineData("cumsum")]
    [InlineData("negate")]
    public async Task Chunks_kept_until_the_run_ends_still_hold_their_values(string operation)
    {
        var (store, _) = MakeStore();
        var request = new ReductionRequest("a", Selection.All, [new OperationRequest(operation, new Dictionary<string, string>())]);
        var (_, expected) = await RunAsync(store, request, blockBytes: 1L << 30);

        // Two channels per block: 19 blocks, so every input array goes round several times.
        var plan = ReductionPlan.Create(store.Describe("a"), request, Registry, defaultOutputBudget: 0, blockBytes: 2 * Samples * 4);
        Assert.Equal(2, plan.ChannelsPerBlock);
        var kept = new List<ReadOnlyMemory<byte>>();
        using (var source = store.Open("a"))
        {
            await foreach (var part in ReductionExecutor.RunAsync(plan, source, new CpuBackend()))
            {
                if (part is ResultChunk chunk) kept.Add(chunk.Data);
            }
        }
        Assert.Equal(expected, kept.SelectMany(chunk => chunk.ToArray()).ToArray());
    }

    [Fact]
    public async Task Channel_mixing_operations_get_every_channel_in_one_block()
    {
        var (store, data) = MakeStore();
        var request = new ReductionRequest("a", Selection.All, [new OperationRequest("chanmean", new Dictionary<string, string>())]);
        var (_, bytes) = await RunAsync(store, request, blockBytes: 4 * Samples);
        var mean = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        Assert.Equal(Samples, mean.Length);
        for (int t = 0; t < Samples; t += 997)
        {
            double expected = 0;
            for (int c = 0; c < Channels; c++) expected += data[c * Samples + t];
            Assert.Equal(expected / Channels, mean[t], 1e-5);
        }
    }

    [Fact]
    public void Over_budget_requests_are_refused_before_work_starts()
    {
        var (store, _) = MakeStore();
        var error = Assert.Throws<OutputBudgetExceededException>(() =>
            ReductionPlan.Create(store.Describe("a"), new ReductionRequest("a", Selection.All, [], MaxOutputBytes: 1000), Registry, 0));
        Assert.Equal(Channels * Samples * 4, error.Bytes);
    }

    [Fact]
    public async Task Cancellation_stops_the_stream()
    {
        var (store, _) = MakeStore();
        var plan = ReductionPlan.Create(store.Describe("a"), new ReductionRequest("a", Selection.All, []), Registry, 0, blockBytes: 4 * Samples);
        using var cts = new CancellationTokenSource();
        using var source = store.Open("a");
        int chunks = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var part in ReductionExecutor.RunAsync(plan, source, new CpuBackend(), cts.Token))
            {
                if (part is ResultChunk && ++chunks == 2) cts.Cancel();
            }
        });
        Assert.Equal(2, chunks);
    }

    /// <summary>
    /// While the consumer still holds block 0's first chunk (a gRPC writer framing and sending it), block 1 is already
    /// being computed: its read is done and the read of block 2, which starts with that computation, has begun.
    /// </summary>
    [Fact]
    public async Task The_next_block_is_computed_while_the_consumer_handles_the_current_one()
    {
        var (store, _) = MakeStore();
        var request = new ReductionRequest("a", Selection.All, [new OperationRequest("negate", new Dictionary<string, string>())]);
        var (_, expected) = await RunAsync(store, request, blockBytes: 1L << 30);
        var plan = ReductionPlan.Create(store.Describe("a"), request, Registry, defaultOutputBudget: 0, blockBytes: 2 * Samples * 4);
        using var source = new CountingSource(store.Open("a"));
        using var output = new MemoryStream();
        await using var parts = ReductionExecutor.RunAsync(plan, source, new CpuBackend()).GetAsyncEnumerator();
        while (await parts.MoveNextAsync() && parts.Current is not ResultChunk) { }
        output.Write(((ResultChunk)parts.Current).Data.Span);

        // Without the computation ahead, reads stop at two (block 0 and the read ahead of block 1) until the consumer moves on.
        for (int i = 0; i < 200 && Volatile.Read(ref source.Reads) < 3; i++) await Task.Delay(50);
        Assert.Equal(3, Volatile.Read(ref source.Reads));

        while (await parts.MoveNextAsync())
        {
            if (parts.Current is ResultChunk chunk) output.Write(chunk.Data.Span);
        }
        Assert.Equal(expected, output.ToArray());
    }

    private sealed class CountingSource(IArraySource inner) : IArraySource
    {
        public int Reads;

        public ArrayInfo Info => inner.Info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            Interlocked.Increment(ref Reads);
            inner.Read(channelStart, channelCount, channelStep, timeStart, timeCount, destination);
        }

        public void Dispose() => inner.Dispose();
    }
}
