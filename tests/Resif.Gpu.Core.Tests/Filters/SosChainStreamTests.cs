using System.Runtime.InteropServices;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Core.Tests.Pipeline;
using Resif.Gpu.Core.Tests.Spectral;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// The CPU backend's fused chain stream (<see cref="ISosChainStream"/>), pushed random time chunks, against the
/// whole-window <see cref="IFilterKernels.SosChain"/>: causal chains carry their state exactly (the same bits); zero-phase
/// ones restart each released piece's backward pass from rest an overlap beyond it (ZeroPhaseTolerance).
/// </summary>
public sealed class SosChainStreamTests
{
    // As ChunkingTests: the start-state error decayed by 1e-10, far below float32 rounding of the outputs.
    private const double ZeroPhaseTolerance = 1e-6;

    private static readonly double[] Bandpass = SosChainTests.Bandpass, Lowpass = SosChainTests.Lowpass;

    private static readonly SosStage[][] CausalChains =
    [
        [new(Bandpass, SosMode.Causal)],
        [new(Bandpass, SosMode.Causal), new(Lowpass, SosMode.Causal, 4)],
        [new(Lowpass, SosMode.Causal, 3), new(Bandpass, SosMode.Causal, 2)],
    ];

    // The pipeline the benchmarks run, a decimation first (the next stage sees kept samples only), every zero-phase
    // mode, and zero-phase stages between causal ones.
    private static readonly SosStage[][] ZeroPhaseChains =
    [
        [new(Bandpass, SosMode.ZeroPhaseOddPad), new(FilterDesign.DecimationIir(10), SosMode.ZeroPhaseOddPad, 10)],
        [new(FilterDesign.DecimationIir(3), SosMode.ZeroPhaseOddPad, 3), new(Bandpass, SosMode.ZeroPhase)],
        [new(Bandpass, SosMode.Causal), new(Lowpass, SosMode.ZeroPhase, 4), new(Lowpass, SosMode.ZeroPhaseOddPad)],
        [new(Lowpass, SosMode.ZeroPhase, 2), new(Bandpass, SosMode.Causal, 3)],
    ];

    public static TheoryData<bool, int, int> CausalCases() => Cases(CausalChains.Length);

    public static TheoryData<bool, int, int> ZeroPhaseCases() => Cases(ZeroPhaseChains.Length);

    private static TheoryData<bool, int, int> Cases(int chains)
    {
        var cases = new TheoryData<bool, int, int>();
        foreach (bool wide in new[] { false, true })
        {
            for (int chain = 0; chain < chains; chain++)
            {
                for (int seed = 0; seed < 2; seed++) cases.Add(wide, chain, seed);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(CausalCases))]
    public void Causal_chains_in_time_chunks_give_the_whole_window_bits(bool wide, int chain, int seed)
    {
        const int rows = 21, columns = 6007;
        var stages = CausalChains[chain];
        var backend = new CpuBackend { WideSos = wide };
        var x = FilterTestData.RandomChannels(rows, columns, seed: 5 + chain);
        var (streamed, _) = Stream(backend, stages, x, rows, ChunkingTests.ChunkSizes(seed, columns));
        Assert.Equal(Whole(backend, stages, x, rows, columns), streamed);
    }

    [Theory]
    [MemberData(nameof(ZeroPhaseCases))]
    public void Zero_phase_chains_in_time_chunks_match_the_whole_window(bool wide, int chain, int seed)
    {
        const int rows = 19, columns = 70001; // the bandpass holds back 9934 steps: pieces come out early, after decimation too
        var stages = ZeroPhaseChains[chain];
        var backend = new CpuBackend { WideSos = wide };
        var x = FilterTestData.RandomChannels(rows, columns, seed: 11 + chain);
        var (streamed, releasedEarly) = Stream(backend, stages, x, rows, ChunkingTests.ChunkSizes(seed, columns));
        // The chunks must have released pieces before the end, or only the exact end of the window was compared.
        Assert.True(releasedEarly, "nothing came out before Finish");
        var whole = Whole(backend, stages, x, rows, columns);
        Assert.InRange(SpectralTestData.RelativeMaxError(streamed, whole), 0, ZeroPhaseTolerance);
    }

    [Fact]
    public void A_restarted_stream_gives_the_bits_of_a_fresh_one()
    {
        const int rows = 21, columns = 30011;
        var stages = ZeroPhaseChains[2]; // causal, zero-phase without and with a pad: every kind of start
        var backend = new CpuBackend();
        var stream = backend.OpenSosChainStream(rows, stages)!;
        // Louder data first, so that anything left over would show.
        var first = FilterTestData.RandomChannels(rows, columns, seed: 41).Select(v => 100 * v).ToArray();
        Stream(stream, first, rows, ChunkingTests.ChunkSizes(1, columns));
        stream.Restart();
        var x = FilterTestData.RandomChannels(rows, columns, seed: 42);
        var sizes = ChunkingTests.ChunkSizes(2, columns);
        var (fresh, _) = Stream(backend.OpenSosChainStream(rows, stages)!, x, rows, sizes);
        var (restarted, _) = Stream(stream, x, rows, sizes);
        Assert.Equal(fresh, restarted);
    }

    [Fact]
    public void Only_a_finished_and_taken_stream_restarts()
    {
        var stream = new CpuBackend().OpenSosChainStream(2, [new SosStage(Lowpass, SosMode.Causal)])!;
        Assert.Equal(5, stream.Push(new float[10], 5));
        Assert.Throws<InvalidOperationException>(stream.Restart);
        stream.Finish();
        Assert.Throws<InvalidOperationException>(stream.Restart); // five columns not taken yet
        stream.Take(new float[10]);
        stream.Restart();
        Assert.Equal(3, stream.Push(new float[6], 3));
    }

    [Fact]
    public void Odd_padding_needs_more_samples_than_its_pad()
    {
        var stream = new CpuBackend().OpenSosChainStream(3, [new SosStage(Bandpass, SosMode.ZeroPhaseOddPad)])!;
        int pad = FilterDesign.OddPadLength(Bandpass);
        Assert.Equal(0, stream.Push(new float[3 * pad], pad));
        Assert.Throws<InvalidOperationException>(() => stream.Finish());
        Assert.Throws<InvalidOperationException>(() => stream.Push(new float[3], 1));
    }

    [Fact]
    public void A_short_input_array_is_refused_naming_it()
    {
        var stream = new CpuBackend().OpenSosChainStream(4, [new SosStage(Lowpass, SosMode.Causal)])!;
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => stream.Push(new float[4 * 10 - 1], 10)).ParamName);
    }

    [Fact]
    public async Task Executor_streams_consecutive_filters_as_one_chain_and_a_backend_without_one_op_by_op()
    {
        const int channels = 37, samples = 9000;
        var data = FilterTestData.RandomChannels(channels, samples, seed: 3);
        var store = new InMemoryArrayStore();
        store.Add("a", data, channels, samples, dt: 0.001);
        string[][] pipelines =
        [
            ["bandpass:freqmin=1,freqmax=40", "decimate:factor=5,method=obspy", "abs"],
            ["bandpass:freqmin=1,freqmax=40,zerophase=true,pad=odd", "decimate:factor=10", "abs"],
        ];
        foreach (var specs in pipelines)
        {
            var request = new ReductionRequest("a", Selection.All, [.. specs.Select(OperationRequest.Parse)]);
            var plan = ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, 0, blockBytes: 1L << 20, timeChunkSamples: 777);
            var fused = new RecordingBackend();
            var apart = new RecordingBackend(openChainStreams: false);
            var withChain = await Run(store, plan, fused);
            var opByOp = await Run(store, plan, apart);
            var whole = await Run(store, ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, 0), new CpuBackend());
            // One two-stage stream (abs streams on its own), restarted for each block of the same rows: the full blocks
            // share one, the last shorter block opens its own; none where the backend has no such stream.
            Assert.True(plan.ChannelsPerBlock < channels && channels % plan.ChannelsPerBlock != 0, "the case needs full blocks and a shorter last one");
            Assert.Equal([2, 2], fused.StreamLengths);
            Assert.Empty(apart.StreamLengths);
            if (specs[0].Contains("zerophase"))
            {
                Assert.InRange(SpectralTestData.RelativeMaxError(withChain, whole), 0, ZeroPhaseTolerance);
                Assert.InRange(SpectralTestData.RelativeMaxError(opByOp, whole), 0, ZeroPhaseTolerance);
            }
            else
            {
                Assert.Equal(whole, withChain);
                Assert.Equal(whole, opByOp);
            }
        }
    }

    private static float[] Whole(CpuBackend backend, SosStage[] stages, float[] x, int rows, int columns)
    {
        var output = new float[rows * SosStage.OutputColumns(columns, stages)];
        backend.SosChain(x, rows, columns, stages, output);
        return output;
    }

    // Pushes the rows of x in chunks of the given sizes; returns the concatenated output and whether any came before Finish.
    private static (float[] Output, bool ReleasedEarly) Stream(CpuBackend backend, SosStage[] stages, float[] x, int rows, List<int> sizes) =>
        Stream(backend.OpenSosChainStream(rows, stages)!, x, rows, sizes);

    private static (float[] Output, bool ReleasedEarly) Stream(ISosChainStream stream, float[] x, int rows, List<int> sizes)
    {
        int columns = x.Length / rows;
        var pieces = Enumerable.Range(0, rows).Select(_ => new List<float>()).ToArray();
        void Take(int ready)
        {
            var piece = new float[rows * ready];
            stream.Take(piece);
            for (int r = 0; r < rows; r++) pieces[r].AddRange(piece.AsSpan(r * ready, ready).ToArray());
        }
        bool early = false;
        int start = 0;
        foreach (int size in sizes)
        {
            var chunk = new float[rows * size];
            for (int r = 0; r < rows; r++) x.AsSpan(r * columns + start, size).CopyTo(chunk.AsSpan(r * size));
            int ready = stream.Push(chunk, size);
            early |= ready > 0;
            Take(ready);
            start += size;
        }
        Take(stream.Finish());
        return (pieces.SelectMany(p => p).ToArray(), early);
    }

    private static async Task<float[]> Run(InMemoryArrayStore store, ReductionPlan plan, IBackend backend)
    {
        var bytes = new List<byte>();
        using var source = store.Open("a");
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
        {
            if (part is ResultChunk chunk) bytes.AddRange(chunk.Data.ToArray());
        }
        return MemoryMarshal.Cast<byte, float>(bytes.ToArray()).ToArray();
    }
}
