using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>One cascade of a chain, as the group filter runs it: its mode, odd-pad length and decimation factor.</summary>
internal readonly record struct SosPass(SosCascade Cascade, SosMode Mode, int Pad, int Factor);

/// <summary>
/// Runs a chain of cascades (<see cref="SosPass"/>es, each in its own <see cref="SosMode"/>, each optionally keeping
/// every factor-th sample) over one <see cref="RowGroup"/>. One instance per worker thread: it owns the float64 tile
/// the cascades run in (L1-sized) and a time-major float32 store that holds a zero-phase forward pass and the
/// signal between stages (half the footprint of float64, so that long windows stay in cache; each stage's output is
/// rounded to float32 exactly as an unfused chain rounds it into its rows, so a chain gives the unfused bits).
/// Reading the rows is fused with the first forward pass and writing them with the last pass: the block crosses
/// memory once each way however many stages run.
/// </summary>
internal sealed unsafe class SosGroupFilter
{
    private const int Lanes = SosCascade.Lanes;

    private readonly SosPass[] _stages;
    private readonly double[] _tile;
    private readonly double[] _edge;
    private readonly float[] _store;

    public SosGroupFilter(SosPass[] stages, int columns)
    {
        _stages = stages;
        int pad = stages.Max(s => s.Pad);
        // The tile also holds an edge of 2·pad + 1 steps while building the left odd extension; _edge the right one.
        _tile = new double[Math.Max(SosCascade.TileSteps, 2 * pad + 1) * Lanes];
        _edge = new double[(2 * pad + 1) * Lanes];
        _store = stages.Length == 1 && stages[0].Mode == SosMode.Causal ? [] : new float[(long)columns * Lanes];
    }

    /// <summary>Float64 state slots the chain needs (the longest cascade's).</summary>
    public static int StateLength(SosPass[] stages) => stages.Max(s => s.Cascade.StateLength);

    /// <summary>
    /// Runs the chain over <paramref name="input"/> and writes its result to <paramref name="output"/> (as many
    /// columns as the chain leaves). The two may be the same rows: input is read only by the first stage and output
    /// written only by the last, in the same time order as a single in-place stage.
    /// </summary>
    public void Run(RowGroup input, RowGroup output, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile)
        fixed (double* edge = _edge)
        fixed (float* store = _store)
        {
            int n = input.Columns;
            for (int k = 0; k < _stages.Length; k++)
            {
                var stage = _stages[k];
                var io = new StageIo(input, output, store, k == 0, k == _stages.Length - 1, stage.Factor);
                if (stage.Mode == SosMode.Causal) RunCausal(stage, io, n, state, tile);
                else RunZeroPhase(stage, io, n, state, tile, edge, store);
                if (!io.Last && stage.Factor > 1) Compact(store, n, stage.Factor);
                n = (n + stage.Factor - 1) / stage.Factor;
            }
        }
    }

    /// <summary>Filters the rows in place causally with the single cascade, continuing from <paramref name="state"/> (left as the last step leaves it).</summary>
    public void Continue(RowGroup rows, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile) RunForward(_stages[0], new StageIo(rows, rows, null, true, true, 1), rows.Columns, state, tile);
    }

    private static void RunCausal(SosPass stage, StageIo io, int n, Span<Vector256<double>> state, double* tile)
    {
        stage.Cascade.Reset(state, null);
        RunForward(stage, io, n, state, tile);
    }

    private static void RunForward(SosPass stage, StageIo io, int n, Span<Vector256<double>> state, double* tile)
    {
        for (int start = 0; start < n; start += SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, n - start);
            io.Load(start, count, tile);
            stage.Cascade.Run(tile, count, reverse: false, state);
            io.Write(tile, start, count);
        }
    }

    // scipy sosfiltfilt (with a pad) or ObsPy's zero-phase (without): the forward pass goes to the store (in place
    // when the stage also reads from it), the backward pass reads it back and writes the stage's output.
    private static void RunZeroPhase(SosPass stage, StageIo io, int n, Span<Vector256<double>> state, double* tile, double* edge, float* store)
    {
        var cascade = stage.Cascade;
        int pad = stage.Pad;
        if (pad > 0)
        {
            // Right extension from x[n-1-pad..n-1], taken before the forward pass overwrites them.
            io.Load(n - 1 - pad, pad + 1, edge);
            RowGroup.ExtendAfter(edge + pad * Lanes, pad);
            // Left extension from x[0..pad], started in the steady state of its first value (scipy's zi · x[0]).
            io.Load(0, pad + 1, tile + pad * Lanes);
            RowGroup.ExtendBefore(tile + pad * Lanes, pad);
            cascade.Reset(state, tile);
            cascade.Run(tile, pad, reverse: false, state);
        }
        else
        {
            cascade.Reset(state, null);
        }
        for (int start = 0; start < n; start += SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, n - start);
            io.Load(start, count, tile);
            cascade.Run(tile, count, reverse: false, state);
            Narrow(tile, store + (long)start * Lanes, count);
        }
        if (pad > 0)
        {
            // The backward pass starts from the last forward output over the right extension.
            cascade.Run(edge + (pad + 1) * Lanes, pad, reverse: false, state);
            cascade.Reset(state, edge + 2 * pad * Lanes);
            cascade.Run(edge + (pad + 1) * Lanes, pad, reverse: true, state);
        }
        else
        {
            cascade.Reset(state, null);
        }
        for (int end = n; end > 0; end -= SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, end);
            Widen(store + (long)(end - count) * Lanes, tile, count);
            cascade.Run(tile, count, reverse: true, state);
            io.Write(tile, end - count, count);
        }
    }

    // An intermediate decimating stage left its kept steps at their own index t (writing them at t / factor would
    // overwrite forward-pass steps its backward pass still needs): move them down to t / factor.
    private static void Compact(float* store, int n, int factor)
    {
        for (long j = 1; j * factor < n; j++)
        {
            for (int v = 0; v < Lanes; v += 8) Vector256.Load(store + j * factor * Lanes + v).Store(store + j * Lanes + v);
        }
    }

    /// <summary>
    /// Where a stage reads (the input rows for the first stage, the store otherwise) and writes (the output rows,
    /// decimated, for the last stage; the store otherwise, kept steps only).
    /// </summary>
    private readonly struct StageIo(RowGroup input, RowGroup output, float* store, bool first, bool last, int factor)
    {
        public bool Last => last;

        public void Load(int start, int steps, double* tile)
        {
            if (first) input.Gather(start, steps, tile);
            else Widen(store + (long)start * Lanes, tile, steps);
        }

        public void Write(double* tile, int start, int steps)
        {
            if (last && factor == 1) output.Scatter(tile, start, steps);
            else if (last) new DecimatedRows(output.First, output.Columns, factor).Write(tile, start, steps, output.Count);
            else if (factor == 1) Narrow(tile, store + (long)start * Lanes, steps);
            else
            {
                for (int t = (start + factor - 1) / factor * factor; t < start + steps; t += factor)
                    Narrow(tile + (long)(t - start) * Lanes, store + (long)t * Lanes, 1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow(double* source, float* target, int steps)
    {
        for (long i = 0; i < (long)steps * Lanes; i += 8)
            Vector256.Narrow(Vector256.Load(source + i), Vector256.Load(source + i + 4)).Store(target + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen(float* source, double* target, int steps)
    {
        for (long i = 0; i < (long)steps * Lanes; i += 8)
        {
            var values = Vector256.Load(source + i);
            Vector256.WidenLower(values).Store(target + i);
            Vector256.WidenUpper(values).Store(target + i + 4);
        }
    }
}
