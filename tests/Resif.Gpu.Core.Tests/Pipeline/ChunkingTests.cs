using System.Globalization;
using System.Runtime.InteropServices;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Core.Tests.Spectral;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Pipeline;

/// <summary>
/// Issue 5, "any chunking gives the same answer": every registered operation, run on random channel blocks and (when
/// it streams along time) on random time chunks, against one run over the whole array.
/// </summary>
public class ChunkingTests
{
    private const int Channels = 23, Samples = 12001;
    private const double Dt = 0.01, Dx = 10;

    // Zero-phase streams re-run the backward pass from rest an overlap beyond each emitted piece (decay 1e-10 of the
    // slowest pole) and build the odd extensions in float32 where the whole-window kernel keeps float64: both are far
    // below float32 rounding of the outputs, so 1e-6 of the output peak (a few float32 ulps) bounds the difference.
    private const double ZeroPhaseTolerance = 1e-6;

    /// <summary>
    /// Specs covering every registered operation, with the time-chunk tolerance relative to the output peak: 0 means
    /// bit-identical (state carried exactly, or no state); null means the operation needs the whole window.
    /// </summary>
    public static TheoryData<string, double?> Cases => new()
    {
        { "bandpass:freqmin=1,freqmax=10", 0 },
        { "bandpass:freqmin=0.5,freqmax=4,corners=6,zerophase=true", ZeroPhaseTolerance },
        { "bandpass:freqmin=1,freqmax=10,zerophase=true,pad=odd", ZeroPhaseTolerance },
        { "bandstop:freqmin=5,freqmax=15,zerophase=true", ZeroPhaseTolerance },
        { "lowpass:freq=2,corners=2", 0 },
        { "highpass:freq=0.3,zerophase=true,pad=odd", ZeroPhaseTolerance },
        { "decimate:factor=3", ZeroPhaseTolerance },
        { "decimate:factor=4,method=fir", 0 },
        { "decimate:factor=5,method=obspy", 0 },
        { "decimate:factor=1", 0 },
        { "detrend:type=linear", null },
        { "taper:max_percentage=0.1", 0 },
        { "resample:rate=40", 0 },
        { "resample:rate=150", 0 },
        { "fk:output=amplitude", null },
        { "fkfilter:va=100,vb=200,vc=800,vd=1200", null },
        { "envelope", null },
        { "rms:window=0.37", 0 },
        { "stalta:sta=0.3,lta=4", 0 },
        { "stalta:sta=0.3,lta=4,type=recursive", 0 },
        { "abs", 0 },
        { "normalize:type=std", null },
        { "beam:smin=-1e-3,smax=1e-3,ns=11,window=0.5", null },
        { ArrayBeamSpec, null },
    };

    private static string ArrayBeamSpec
    {
        get
        {
            string Positions(Func<int, double> f) => string.Join(';', Enumerable.Range(0, Channels).Select(i => f(i).ToString("R", CultureInfo.InvariantCulture)));
            return $"arraybeam:x_km={Positions(i => 0.1 * Math.Cos(i))},y_km={Positions(i => 0.1 * Math.Sin(i))},win_len=5,sll_x=-3,slm_x=3,sll_y=-3," +
                "slm_y=3,sl_s=0.5,frqlow=1,frqhigh=8";
        }
    }

    [Fact]
    public void Every_registered_operation_is_covered_and_classified()
    {
        var specs = Cases.Select(c => (string)c[0]).ToArray();
        var covered = specs.Select(s => OperationRequest.Parse(s, 0).Name).ToHashSet();
        var missing = OperationRegistry.Default.Descriptors.Select(d => d.Name).Except(covered).ToArray();
        Assert.True(missing.Length == 0, $"no chunking case for: {string.Join(", ", missing)}");
        foreach (var c in Cases)
        {
            // The table's null/non-null must agree with what the operation declares.
            Assert.True(Create((string)c[0]) is ITimeStreamable == (c[1] is not null), $"{c[0]}: streamable does not match the table");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Channel_blocks_give_the_whole_array_result(string spec, double? timeTolerance)
    {
        _ = timeTolerance;
        var data = Signal(seed: 1);
        var whole = Run(spec, data, Channels);
        var operation = Create(spec);
        if (!operation.ChannelsIndependent)
        {
            // Channel-mixing operations are never split: the plan gives them every channel in one block.
            var plan = PlanFor(spec, blockBytes: 1024, timeChunkSamples: 0);
            Assert.Equal(Channels, plan.ChannelsPerBlock);
            return;
        }
        var random = new Random(spec.GetHashCode(StringComparison.Ordinal));
        var pieces = new List<float>();
        for (int first = 0; first < Channels;)
        {
            int count = Math.Min(Channels - first, random.Next(3) switch { 0 => 1, 1 => 17, _ => random.Next(1, Channels) });
            pieces.AddRange(Run(spec, data.AsSpan(first * Samples, count * Samples).ToArray(), count).Values.ToArray());
            first += count;
        }
        // Each channel goes through the same arithmetic whatever its block: bit-identical.
        Assert.Equal(whole.Values.ToArray(), pieces.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Time_chunks_give_the_whole_window_result(string spec, double? tolerance)
    {
        if (tolerance is not { } relative)
        {
            Assert.Equal(0, PlanFor(spec, blockBytes: 1024, timeChunkSamples: 100).TimeChunkSamples);
            return;
        }
        var data = Signal(seed: 2);
        var whole = Run(spec, data, Channels);
        for (int seed = 0; seed < 3; seed++)
        {
            var chunked = RunInTimeChunks(spec, data, ChunkSizes(seed, Samples));
            Assert.Equal(whole.Layout.Shape, chunked.Layout.Shape);
            if (relative == 0) Assert.Equal(whole.Values.ToArray(), chunked.Values.ToArray());
            else Assert.InRange(SpectralTestData.RelativeMaxError(chunked.Values, whole.Values), 0, relative);
        }
    }

    [Theory]
    [InlineData("bandpass:freqmin=1,freqmax=10", "decimate:factor=2,method=obspy", "abs", "stalta:sta=0.2,lta=2")]
    [InlineData("taper", "resample:rate=60", "decimate:factor=3,method=fir", "rms:window=0.5")]
    public async Task Executor_with_forced_time_chunks_gives_the_same_bytes(params string[] operations)
    {
        var (whole, wholePlan) = await ExecuteAsync(operations, blockBytes: 1L << 30, timeChunkSamples: 0);
        Assert.Equal(0, wholePlan.TimeChunkSamples);
        foreach (long chunk in new long[] { 1, 97, 1000 })
        {
            var (chunked, plan) = await ExecuteAsync(operations, blockBytes: 7 * 4 * Samples, timeChunkSamples: chunk);
            Assert.Equal(chunk, plan.TimeChunkSamples);
            Assert.Equal(whole, chunked);
        }
    }

    [Fact]
    public async Task Executor_chunks_time_by_itself_when_a_channel_group_exceeds_the_block_budget()
    {
        string[] operations = ["highpass:freq=0.5,zerophase=true,pad=odd", "decimate:factor=4"];
        var (whole, _) = await ExecuteAsync(operations, blockBytes: 1L << 30, timeChunkSamples: 0);
        var (chunked, plan) = await ExecuteAsync(operations, blockBytes: 8_000, timeChunkSamples: 0);
        Assert.InRange(plan.TimeChunkSamples, 1, plan.Input.Shape[1] - 1);
        Assert.InRange(plan.ChannelsPerBlock, 1, Channels - 1);
        Assert.InRange(SpectralTestData.RelativeMaxError(MemoryMarshal.Cast<byte, float>(chunked), MemoryMarshal.Cast<byte, float>(whole)), 0, ZeroPhaseTolerance);
    }

    [Fact]
    public async Task Executor_with_no_operations_and_forced_time_chunks_gives_the_selection()
    {
        var (whole, _) = await ExecuteAsync([], blockBytes: 1L << 30, timeChunkSamples: 0);
        var (chunked, plan) = await ExecuteAsync([], blockBytes: 7 * 4 * Samples, timeChunkSamples: 1234);
        Assert.Equal(1234, plan.TimeChunkSamples);
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void Plan_chunks_time_by_itself_only_when_the_pipeline_shortens_it()
    {
        // 16 channels over the whole window exceed 20 kB in both cases; only decimation makes chunks worth it.
        Assert.Equal(0, PlanFor("bandpass:freqmin=1,freqmax=10", blockBytes: 20_000, timeChunkSamples: 0).TimeChunkSamples);
        Assert.NotEqual(0, PlanFor("bandpass:freqmin=1,freqmax=10", "decimate:factor=2,method=obspy", blockBytes: 20_000, timeChunkSamples: 0).TimeChunkSamples);
    }

    [Fact]
    public void Plan_keeps_each_time_chunk_to_a_quarter_of_the_block_budget()
    {
        // A zero-phase stream keeps several chunk-sized arrays alive (held output, reversed copy, the next read):
        // whole-budget chunks ran a 10 GB reduction out of its memory cap.
        var plan = PlanFor("bandpass:freqmin=1,freqmax=10,zerophase=true", "decimate:factor=2,method=obspy", blockBytes: 20_000, timeChunkSamples: 0);
        Assert.NotEqual(0, plan.TimeChunkSamples);
        Assert.InRange(plan.ChannelsPerBlock * plan.TimeChunkSamples * sizeof(float), 1, 20_000 / 4);
    }

    [Fact]
    public async Task Time_chunked_reads_stay_within_one_piece()
    {
        // 21 channels x 2945 samples through an 8 kB budget: no read may cover a channel block's whole window.
        var store = new InMemoryArrayStore();
        var info = Array(store);
        var request = new ReductionRequest("a", new Selection(ChannelStart: 1, ChannelStop: 22, ChannelStep: 1, TimeStart: 0.05, TimeEnd: 29.5),
            [OperationRequest.Parse("lowpass:freq=5,zerophase=true", 0), OperationRequest.Parse("decimate:factor=4,method=fir", 1)]);
        var plan = ReductionPlan.Create(info, request, OperationRegistry.Default, 0, blockBytes: 8_000);
        using var source = new ReadRecorder(store.Open("a"));
        using var backend = new CpuBackend();
        await foreach (var _ in ReductionExecutor.RunAsync(plan, source, backend))
        {
        }
        Assert.InRange(plan.TimeChunkSamples, 1, plan.Input.Shape[1] - 1);
        Assert.InRange(source.LargestRead, 1, plan.ChannelsPerBlock * plan.TimeChunkSamples);
        Assert.Equal(plan.Input.ElementCount, source.ValuesRead);
    }

    private sealed class ReadRecorder(IArraySource inner) : IArraySource
    {
        public ArrayInfo Info => inner.Info;

        public long LargestRead { get; private set; }

        public long ValuesRead { get; private set; }

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            // The executor reads the next piece while computing the current one: two reads may overlap in time.
            lock (this)
            {
                LargestRead = Math.Max(LargestRead, channelCount * timeCount);
                ValuesRead += channelCount * timeCount;
            }
            inner.Read(channelStart, channelCount, channelStep, timeStart, timeCount, destination);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void Plan_keeps_whole_windows_when_one_operation_needs_them()
    {
        var plan = PlanFor("bandpass:freqmin=1,freqmax=10", "detrend", blockBytes: 1024, timeChunkSamples: 0);
        Assert.Equal(0, plan.TimeChunkSamples);
        Assert.Equal(1, plan.ChannelsPerBlock);
    }

    private static IOperation Create(string spec) => OperationRegistry.Default.Create(OperationRequest.Parse(spec, 0), 0);

    private static TensorLayout Layout(int channels, int samples) => new(["distance", "time"], [channels, samples],
        [new Coordinate("distance", "m", channels, 0, Dx), new Coordinate("time", "s", samples, 0, Dt)], "strain_rate");

    // Noise plus a low-frequency sine and a step, so that long filter memories and the window ends both matter.
    private static float[] Signal(int seed)
    {
        var random = new Random(seed);
        var data = new float[Channels * Samples];
        for (int c = 0; c < Channels; c++)
        {
            for (int t = 0; t < Samples; t++)
                data[c * Samples + t] = (float)(random.NextDouble() - 0.5 + Math.Sin(0.7 * t * Dt + c) + (t > Samples / 3 ? 0.8 : 0));
        }
        return data;
    }

    private static Block Run(string spec, float[] data, int channels)
    {
        var operation = Create(spec);
        var layout = Layout(channels, Samples);
        operation.Plan(layout);
        using var backend = new CpuBackend();
        return operation.Run(new Block(layout, (float[])data.Clone()), backend);
    }

    /// <summary>Sizes that add up to <paramref name="total"/>: single samples, primes, and random lengths.</summary>
    internal static List<int> ChunkSizes(int seed, int total)
    {
        int[] primes = [2, 3, 7, 13, 31, 61, 127, 251, 509];
        var random = new Random(seed);
        var sizes = new List<int>();
        for (int sum = 0; sum < total;)
        {
            int size = Math.Min(total - sum, random.Next(3) switch { 0 => 1, 1 => primes[random.Next(primes.Length)], _ => random.Next(1, total / 4) });
            sizes.Add(size);
            sum += size;
        }
        return sizes;
    }

    private static Block RunInTimeChunks(string spec, float[] data, List<int> sizes)
    {
        var operation = Create(spec);
        var window = Layout(Channels, Samples);
        var output = operation.Plan(window);
        using var backend = new CpuBackend();
        var stream = ((ITimeStreamable)operation).Open(window, backend);
        var columns = Enumerable.Range(0, Channels).Select(_ => new List<float>()).ToArray();
        void Collect(Block piece)
        {
            Assert.Equal(Channels, piece.Layout.Shape[0]);
            int n = (int)piece.Layout.Shape[1];
            for (int r = 0; r < Channels; r++) columns[r].AddRange(piece.Values.Slice(r * n, n).ToArray());
        }
        int start = 0;
        foreach (int size in sizes)
        {
            var chunk = new float[Channels * size];
            for (int r = 0; r < Channels; r++) data.AsSpan(r * Samples + start, size).CopyTo(chunk.AsSpan(r * size));
            var layout = window with { Shape = [Channels, size], Coords = [window.Coords[0], window.Coords[1].Slice(start, size)] };
            Collect(stream.Push(new Block(layout, chunk)));
            start += size;
        }
        Collect(stream.Finish());
        return new Block(output with { Shape = [Channels, columns[0].Count] }, columns.SelectMany(c => c).ToArray());
    }

    private static ArrayInfo Array(InMemoryArrayStore? store = null)
    {
        store ??= new InMemoryArrayStore();
        return store.Add("a", Signal(seed: 3), Channels, Samples, Dt, Dx);
    }

    private static ReductionPlan PlanFor(string spec, long blockBytes, long timeChunkSamples) => PlanFor(spec, null, blockBytes, timeChunkSamples);

    private static ReductionPlan PlanFor(string spec, string? then, long blockBytes, long timeChunkSamples)
    {
        var operations = new[] { spec, then }.OfType<string>().Select((s, i) => OperationRequest.Parse(s, i)).ToArray();
        return ReductionPlan.Create(Array(), new ReductionRequest("a", Selection.All, operations), OperationRegistry.Default, 0, blockBytes, timeChunkSamples);
    }

    private static async Task<(byte[] Bytes, ReductionPlan Plan)> ExecuteAsync(string[] operations, long blockBytes, long timeChunkSamples)
    {
        var store = new InMemoryArrayStore();
        var info = Array(store);
        var request = new ReductionRequest("a", new Selection(ChannelStart: 1, ChannelStop: 22, ChannelStep: 1, TimeStart: 0.05, TimeEnd: 29.5),
            operations.Select((o, i) => OperationRequest.Parse(o, i)).ToArray());
        var plan = ReductionPlan.Create(info, request, OperationRegistry.Default, 0, blockBytes, timeChunkSamples);
        using var output = new MemoryStream();
        using var source = store.Open("a");
        using var backend = new CpuBackend();
        double progress = 0;
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
        {
            if (part is ResultChunk chunk)
            {
                Assert.Equal(output.Length, chunk.Offset);
                output.Write(chunk.Data.Span);
            }
            if (part is ResultProgress step)
            {
                Assert.InRange(step.Fraction, progress, 1);
                Assert.Equal(output.Length, step.BytesProduced);
                progress = step.Fraction;
            }
        }
        Assert.Equal(1, progress);
        Assert.Equal(plan.Output.ByteCount, output.Length);
        return (output.ToArray(), plan);
    }
}
