using System.Runtime.Intrinsics;
using Resif.Gpu.Core.Backends.Internal;
using Resif.Gpu.Core.Dsp;

namespace Resif.Gpu.Core;

/// <summary>Filter kernels: channels are SIMD lanes (groups of 16), groups run in parallel.</summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>Whether SOS cascades use the Vector512 section-pair kernel (default: where Vector512 is accelerated); tests run both.</summary>
    internal bool WideSos { get; init; } = SosCascade.WideByDefault;

    /// <summary>Whether FIR resampling uses its Vector512 kernel (default: where Vector512 is accelerated); tests run both.</summary>
    internal bool WideFir { get; init; } = Vector512.IsHardwareAccelerated;

    public void SosFilter(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        fixed (float* pointer = data) RunChain(pointer, pointer, rows, columns, [Pass(sos, mode, 1, columns, nameof(data))]);
    }

    public void SosFilterContinue(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, Span<double> state)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        var cascade = new SosCascade(sos, WideSos);
        int perRow = 2 * cascade.Sections;
        if (state.Length < (long)rows * perRow) throw new ArgumentException($"state holds {state.Length} values, fewer than {rows} x {perRow}", nameof(state));
        int groups = (rows + SosCascade.Lanes - 1) / SosCascade.Lanes;
        SosPass[] stages = [new SosPass(cascade, SosMode.Causal, 0, 1)];
        fixed (float* pointer = data)
        fixed (double* statePointer = state)
        {
            nint address = (nint)pointer, stateAddress = (nint)statePointer;
            Parallel.For(0, groups, ParallelOptions, () => new SosGroupFilter(stages, columns), (group, _, filter) =>
            {
                int firstRow = group * SosCascade.Lanes, count = Math.Min(SosCascade.Lanes, rows - firstRow);
                var rowStates = new Span<double>((double*)stateAddress + (long)firstRow * perRow, count * perRow);
                Span<Vector256<double>> lanes = stackalloc Vector256<double>[cascade.StateLength];
                cascade.LoadState(lanes, rowStates, count);
                filter.Continue(new RowGroup((float*)address + (long)firstRow * columns, columns, count), lanes);
                cascade.StoreState(lanes, rowStates, count);
                return filter;
            }, filter => filter.Dispose());
        }
    }

    public void SosFilterDecimate(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode, int factor, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "must be >= 1");
        int outColumns = (columns + factor - 1) / factor;
        CheckShape(output.Length, rows, outColumns, nameof(output));
        var pass = Pass(sos, mode, factor, columns, nameof(input));
        fixed (float* inPointer = input)
        fixed (float* outPointer = output) RunChain(inPointer, outPointer, rows, columns, [pass]);
    }

    public void SosChain(ReadOnlySpan<float> input, int rows, int columns, IReadOnlyList<SosStage> stages, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        if (stages.Count == 0) throw new ArgumentException("no stage", nameof(stages));
        var passes = new SosPass[stages.Count];
        int n = columns;
        for (int i = 0; i < passes.Length; i++)
        {
            passes[i] = Pass(stages[i].Sections, stages[i].Mode, stages[i].Factor, n, $"{nameof(stages)}[{i}]");
            n = (n + stages[i].Factor - 1) / stages[i].Factor;
        }
        CheckShape(output.Length, rows, n, nameof(output));
        fixed (float* inPointer = input)
        fixed (float* outPointer = output) RunChain(inPointer, outPointer, rows, columns, passes);
    }

    public ISosChainStream? OpenSosChainStream(int rows, IReadOnlyList<SosStage> stages)
    {
        var passes = new SosPass[stages.Count];
        var overlaps = new int[stages.Count];
        for (int i = 0; i < passes.Length; i++)
        {
            var stage = stages[i];
            passes[i] = Pass(stage.Sections, stage.Mode, stage.Factor, $"{nameof(stages)}[{i}]");
            overlaps[i] = stage.Mode == SosMode.Causal ? 0 : FilterDesign.DecayLength(stage.Sections, FilterDesign.StreamOverlapDecay);
        }
        return new SosChainStream(passes, overlaps, rows, ParallelOptions);
    }

    public void FirResample(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> taps, int up, int down, int delay, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        if (up < 1) throw new ArgumentOutOfRangeException(nameof(up), up, "must be >= 1");
        if (down < 1) throw new ArgumentOutOfRangeException(nameof(down), down, "must be >= 1");
        if (delay < 0) throw new ArgumentOutOfRangeException(nameof(delay), delay, "must be >= 0");
        int outColumns = FirResampledLength(columns, up, down);
        CheckShape(output.Length, rows, outColumns, nameof(output));
        var plan = new FirPolyphaseLanes(taps, up, down, delay, WideFir);
        int groups = (rows + FirPolyphaseLanes.Lanes - 1) / FirPolyphaseLanes.Lanes;
        // Few groups (a handful of channels, a stream's chunk): their outputs are also cut in time so that every
        // core has work; slices are whole tiles.
        int tiles = (outColumns + plan.TileOutputs - 1) / plan.TileOutputs;
        int slices = Math.Clamp(2 * Environment.ProcessorCount / Math.Max(groups, 1), 1, Math.Max(tiles, 1));
        int sliceOutputs = (tiles + slices - 1) / slices * plan.TileOutputs;
        fixed (float* inPointer = input)
        fixed (float* outPointer = output)
        {
            nint inAddress = (nint)inPointer, outAddress = (nint)outPointer;
            Parallel.For(0, groups * slices, ParallelOptions, () => new FirPolyphaseLanes.Buffers(plan), (item, _, buffers) =>
            {
                int firstRow = item / slices * FirPolyphaseLanes.Lanes, count = Math.Min(FirPolyphaseLanes.Lanes, rows - firstRow);
                int from = item % slices * sliceOutputs, to = Math.Min(outColumns, from + sliceOutputs);
                if (from < to)
                {
                    plan.Run(new RowGroup((float*)inAddress + (long)firstRow * columns, columns, count),
                        new RowGroup((float*)outAddress + (long)firstRow * outColumns, outColumns, count), from, to, buffers);
                }
                return buffers;
            }, _ => { });
        }
    }

    /// <summary>Output length of <see cref="FirResample"/>: ceil(columns · up / down).</summary>
    public static int FirResampledLength(int columns, int up, int down) => (int)(((long)columns * up + down - 1) / down);

    public void Detrend(Span<float> data, int rows, int columns, DetrendType type)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        fixed (float* pointer = data)
        {
            nint address = (nint)pointer;
            Parallel.For(0, rows, ParallelOptions, row => RowKernels.Detrend(new Span<float>((float*)address + (long)row * columns, columns), type));
        }
    }

    public void MultiplyColumns(Span<float> data, int rows, int columns, ReadOnlySpan<double> weights)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        if (weights.Length != columns) throw new ArgumentException($"expected {columns} weights, got {weights.Length}", nameof(weights));
        for (int row = 0; row < rows; row++)
        {
            var x = data.Slice(row * columns, columns);
            for (int i = 0; i < columns; i++) x[i] = (float)(x[i] * weights[i]);
        }
    }

    // A cascade as a chain stage over rows of `columns` samples, checked as the kernel needs it.
    private SosPass Pass(ReadOnlySpan<double> sos, SosMode mode, int factor, int columns, string name)
    {
        var pass = Pass(sos, mode, factor, name);
        if (pass.Pad > 0 && columns <= pass.Pad)
            throw new ArgumentException($"odd padding needs more than {pass.Pad} samples per row, got {columns}", name);
        return pass;
    }

    private SosPass Pass(ReadOnlySpan<double> sos, SosMode mode, int factor, string name)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(name, factor, "factor must be >= 1");
        int pad = mode == SosMode.ZeroPhaseOddPad ? FilterDesign.OddPadLength(sos) : 0;
        return new SosPass(new SosCascade(sos, WideSos), mode, pad, factor);
    }

    // Groups of 16 channels in parallel; each worker reuses its own tile and (pooled) store. input == output is allowed.
    private void RunChain(float* input, float* output, int rows, int columns, SosPass[] stages)
    {
        int outColumns = columns;
        foreach (var stage in stages) outColumns = (outColumns + stage.Factor - 1) / stage.Factor;
        int groups = (rows + SosCascade.Lanes - 1) / SosCascade.Lanes, stateLength = SosGroupFilter.StateLength(stages);
        nint inAddress = (nint)input, outAddress = (nint)output;
        Parallel.For(0, groups, ParallelOptions, () => new SosGroupFilter(stages, columns), (group, _, filter) =>
        {
            int firstRow = group * SosCascade.Lanes, count = Math.Min(SosCascade.Lanes, rows - firstRow);
            Span<Vector256<double>> state = stackalloc Vector256<double>[stateLength];
            filter.Run(new RowGroup((float*)inAddress + (long)firstRow * columns, columns, count),
                new RowGroup((float*)outAddress + (long)firstRow * outColumns, outColumns, count), state);
            return filter;
        }, filter => filter.Dispose());
    }

    private static void CheckShape(int length, int rows, int columns, string name)
    {
        if (rows < 0 || columns < 0 || length < (long)rows * columns)
            throw new ArgumentException($"{name} holds {length} values, fewer than {rows} x {columns}", name);
    }
}
