using System.Globalization;
using System.Runtime.InteropServices;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// Fused SOS chains (<see cref="IFilterKernels.SosChain"/>): the CPU kernel keeps each channel group in its store
/// between stages but rounds every stage's output to float32 as the rows would hold it, so it must give the bits
/// of the stages run one by one; the executor must use it for consecutive filter operations and still list them.
/// </summary>
public sealed class SosChainTests
{
    // As FilterScipyTests: float32 in/out and between stages, float64 state (per-channel relative RMS ~1e-7).
    private const double Tolerance = 1e-5;

    internal static readonly double[] Bandpass = FilterDesign.Butterworth(4, FilterBand.Bandpass, 1 / 500.0, 40 / 500.0);
    internal static readonly double[] Lowpass = FilterDesign.Butterworth(3, FilterBand.Lowpass, 30 / 500.0);

    // Chains with the decimation last, in the middle (its kept samples move down in the store), causal stages and
    // every zero-phase mode.
    private static readonly SosStage[][] Chains =
    [
        [new(Bandpass, SosMode.ZeroPhaseOddPad), new(FilterDesign.DecimationIir(10), SosMode.ZeroPhaseOddPad, 10)],
        [new(FilterDesign.DecimationIir(3), SosMode.ZeroPhaseOddPad, 3), new(Bandpass, SosMode.ZeroPhase)],
        [new(Bandpass, SosMode.Causal), new(Lowpass, SosMode.Causal, 4), new(Lowpass, SosMode.ZeroPhaseOddPad)],
        [new(Lowpass, SosMode.ZeroPhase, 2), new(Bandpass, SosMode.Causal, 3)],
    ];

    public static TheoryData<bool, int> Cases()
    {
        var cases = new TheoryData<bool, int>();
        foreach (bool wide in new[] { false, true })
        {
            for (int chain = 0; chain < Chains.Length; chain++) cases.Add(wide, chain);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChainGivesTheBitsOfItsStagesOneByOne(bool wide, int chain)
    {
        const int rows = 21, columns = 2987;
        var stages = Chains[chain];
        var backend = new CpuBackend { WideSos = wide };
        var x = FilterTestData.RandomChannels(rows, columns, seed: 17 + chain);
        var input = (float[])x.Clone();
        var fused = new float[rows * SosStage.OutputColumns(columns, stages)];
        backend.SosChain(input, rows, columns, stages, fused);
        Assert.Equal(x, input);

        var current = x;
        int n = columns;
        foreach (var stage in stages)
        {
            int kept = (n + stage.Factor - 1) / stage.Factor;
            var next = new float[rows * kept];
            backend.SosFilterDecimate(current, rows, n, stage.Sections, stage.Mode, stage.Factor, next);
            (current, n) = (next, kept);
        }
        Assert.Equal(current, fused);
    }

    [Fact]
    public void ChainWithoutDecimationRunsInPlace()
    {
        const int rows = 18, columns = 900;
        SosStage[] stages = [new(Bandpass, SosMode.ZeroPhaseOddPad), new(Lowpass, SosMode.Causal)];
        var backend = new CpuBackend();
        var data = FilterTestData.RandomChannels(rows, columns, seed: 4);
        var apart = new float[data.Length];
        backend.SosChain(data, rows, columns, stages, apart);
        backend.SosChain(data, rows, columns, stages, data);
        Assert.Equal(apart, data);
    }

    // Each worker's store and kept-step buffer come from the shared array pool (larger than asked, holding an
    // earlier call's values): a call after a longer one with other data must give the bits it gives first.
    [Fact]
    public void PooledBuffersCarryNothingFromAnEarlierCall()
    {
        const int rows = 20, columns = 1500;
        var stages = Chains[0];
        var backend = new CpuBackend(1);
        var x = FilterTestData.RandomChannels(rows, columns, seed: 31);
        var first = new float[rows * SosStage.OutputColumns(columns, stages)];
        backend.SosChain(x, rows, columns, stages, first);
        var longer = FilterTestData.RandomChannels(rows, 4 * columns, seed: 32).Select(v => 1e3f * v).ToArray();
        backend.SosChain(longer, rows, 4 * columns, stages, new float[rows * SosStage.OutputColumns(4 * columns, stages)]);
        var again = new float[first.Length];
        backend.SosChain(x, rows, columns, stages, again);
        Assert.Equal(first, again);
    }

    [Fact]
    public void BandpassThenIirDecimationMatchesScipy()
    {
        const int rows = 19, columns = 6007;
        var x = FilterTestData.RandomChannels(rows, columns, seed: 23);
        var stages = Chains[0];
        var y = new float[rows * SosStage.OutputColumns(columns, stages)];
        new CpuBackend().SosChain(x, rows, columns, stages, y);
        string sos = string.Join(", ", Bandpass.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var expected = Python.Apply(x, [rows, columns],
            $"sos = np.array([{sos}]).reshape(-1, 6)\ny = signal.decimate(signal.sosfiltfilt(sos, x, axis=-1), 10, axis=-1)");
        double misfit = FilterTestData.WorstRowMisfit(y, expected, rows, y.Length / rows);
        Assert.True(misfit < Tolerance, $"worst channel misfit {misfit:E2}");
    }

    [Fact]
    public async Task ExecutorFusesConsecutiveFiltersAndKeepsTheirProvenance()
    {
        const int channels = 40, samples = 5000;
        var data = FilterTestData.RandomChannels(channels, samples, seed: 8);
        var store = new InMemoryArrayStore();
        store.Add("a", data, channels, samples, dt: 0.001);
        var request = new ReductionRequest("a", Selection.All,
        [
            OperationRequest.Parse("bandpass:freqmin=1,freqmax=40,zerophase=true,pad=odd", 0),
            OperationRequest.Parse("decimate:factor=10", 1),
            OperationRequest.Parse("detrend:type=demean", 2),
        ]);
        var plan = ReductionPlan.Create(store.Describe("a"), request, OperationRegistry.Default, defaultOutputBudget: 0);
        Assert.Equal(0, plan.TimeChunkSamples);
        var backend = new RecordingBackend();
        var bytes = new List<byte>();
        using (var source = store.Open("a"))
        {
            await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
            {
                if (part is ResultChunk chunk) bytes.AddRange(chunk.Data.ToArray());
            }
        }
        Assert.Equal([2], backend.ChainLengths);
        Assert.Equal(["select", "bandpass", "decimate", "detrend"], plan.Provenance.Select(p => p.Name));
        Assert.Equal("10", plan.Provenance[2].Parameters["factor"]);
        Assert.Equal("odd", plan.Provenance[1].Parameters["pad"]);

        // The operations one by one, as the executor ran them before fusion.
        var block = FilterTestData.NewBlock((float[])data.Clone(), channels, samples, 0.001);
        foreach (var spec in new[] { "bandpass:freqmin=1,freqmax=40,zerophase=true,pad=odd", "decimate:factor=10", "detrend:type=demean" })
            block = FilterTestData.Apply(spec, block);
        Assert.Equal(block.Values.ToArray(), MemoryMarshal.Cast<byte, float>(bytes.ToArray()).ToArray());
    }
}
