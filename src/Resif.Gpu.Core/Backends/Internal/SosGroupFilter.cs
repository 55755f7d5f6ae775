using System.Buffers;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>One cascade of a chain, as the group filter runs it: its mode, odd-pad length and decimation factor.</summary>
internal readonly record struct SosPass(SosCascade Cascade, SosMode Mode, int Pad, int Factor);

/// <summary>
/// Runs a chain of cascades (<see cref="SosPass"/>es, each in its own <see cref="SosMode"/>, each optionally keeping
/// every factor-th sample) over one <see cref="RowGroup"/>. One instance per worker thread: it owns the float64 tile
/// the sections run in between pairs (L1-sized) and a time-major float32 store that holds a zero-phase forward pass
/// and the signal between stages (half the footprint of float64, so that long windows stay in cache; each stage's
/// output is rounded to float32 exactly as an unfused chain rounds it into its rows, so a chain gives the unfused
/// bits). The cascades read and write float32 steps themselves (widening and rounding in registers), so that the
/// only sweeps besides them are the transposes from and to the rows: the first stage reads the rows 128 steps at a
/// time through a float32 tile, the last one writes them the same way (a decimating one keeps its kept steps
/// time-major and transposes them once at the end). The store comes from the shared array pool and goes back on
/// <see cref="Dispose"/>, so that the calls of a pipeline reuse warm pages instead of faulting fresh ones in.
/// </summary>
internal sealed unsafe class SosGroupFilter : IDisposable
{
    private const int Lanes = SosCascade.Lanes;

    private readonly SosPass[] _stages;
    private readonly double[] _tile;
    private readonly double[] _edge;
    private readonly float[] _steps;
    private readonly float[] _store;
    private readonly float[] _kept;

    /// <summary>
    /// Stores of up to 4 M floats (16 MiB: a group of ~260 000 samples) come from this pool, so that a call does not
    /// fault a fresh store's pages in. Longer ones are allocated per call and left to the GC: the shared pool would
    /// keep a power-of-two array per thread (128 MiB each for a 1.25 M-sample window) that a memory budget cannot spare.
    /// </summary>
    private static readonly ArrayPool<float> StorePool = ArrayPool<float>.Create(1 << 22, Environment.ProcessorCount);

    public SosGroupFilter(SosPass[] stages, int columns)
    {
        _stages = stages;
        int pad = stages.Max(s => s.Pad);
        // The tile also holds an edge of 2·pad + 1 steps while building the left odd extension; _edge the right one.
        _tile = new double[Math.Max(SosCascade.TileSteps, 2 * pad + 1) * Lanes];
        _edge = new double[(2 * pad + 1) * Lanes];
        _steps = new float[SosCascade.TileSteps * Lanes];
        bool stored = stages.Length > 1 || stages[0].Mode != SosMode.Causal;
        _store = stored ? StorePool.Rent(checked(columns * Lanes)) : [];
        int lastColumns = columns;
        for (int k = 0; k < stages.Length - 1; k++) lastColumns = (lastColumns + stages[k].Factor - 1) / stages[k].Factor;
        int factor = stages[^1].Factor;
        _kept = factor > 1 ? StorePool.Rent(checked((lastColumns + factor - 1) / factor * Lanes)) : [];
    }

    /// <summary>Float64 state slots the chain needs (the longest cascade's).</summary>
    public static int StateLength(SosPass[] stages) => stages.Max(s => s.Cascade.StateLength);

    /// <summary>Gives the pooled buffers back.</summary>
    public void Dispose()
    {
        if (_store.Length > 0) StorePool.Return(_store);
        if (_kept.Length > 0) StorePool.Return(_kept);
    }

    /// <summary>
    /// Runs the chain over <paramref name="input"/> and writes its result to <paramref name="output"/> (as many
    /// columns as the chain leaves). The two may be the same rows: input is read only by the first stage and output
    /// written only by the last, in the same time order as a single in-place stage.
    /// </summary>
    public void Run(RowGroup input, RowGroup output, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile)
        fixed (double* edge = _edge)
        fixed (float* steps = _steps)
        fixed (float* store = _store)
        fixed (float* kept = _kept)
        {
            var buffers = new Buffers(tile, edge, steps, store, kept);
            int n = input.Columns;
            for (int k = 0; k < _stages.Length; k++)
            {
                var stage = _stages[k];
                var io = new StageIo(input, output, buffers, k == 0, k == _stages.Length - 1, stage.Factor);
                if (stage.Mode == SosMode.Causal)
                {
                    stage.Cascade.Reset(state, null);
                    io.Filter(stage.Cascade, n, reverse: false, fromStore: false, toStore: false, state);
                }
                else
                {
                    RunZeroPhase(stage, io, n, state, buffers);
                }
                if (!io.Last && stage.Factor > 1) Compact(store, n, stage.Factor);
                n = (n + stage.Factor - 1) / stage.Factor;
            }
            if (_stages[^1].Factor > 1) output.Scatter(kept, 0, output.Columns);
        }
    }

    /// <summary>Filters the rows in place causally with the single cascade, continuing from <paramref name="state"/> (left as the last step leaves it).</summary>
    public void Continue(RowGroup rows, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile)
        fixed (float* steps = _steps)
        {
            var io = new StageIo(rows, rows, new Buffers(tile, null, steps, null, null), true, true, 1);
            io.Filter(_stages[0].Cascade, rows.Columns, reverse: false, fromStore: false, toStore: false, state);
        }
    }

    // scipy sosfiltfilt (with a pad) or ObsPy's zero-phase (without): the forward pass goes to the store (in place
    // when the stage also reads from it), the backward pass reads it back and writes the stage's output. The odd
    // extensions run in float64 (2·x[0] − x[k] is not rounded to float32).
    private static void RunZeroPhase(SosPass stage, StageIo io, int n, Span<Vector256<double>> state, Buffers buffers)
    {
        var cascade = stage.Cascade;
        int pad = stage.Pad;
        double* tile = buffers.Tile, edge = buffers.Edge;
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
        io.Filter(cascade, n, reverse: false, fromStore: false, toStore: true, state);
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
        io.Filter(cascade, n, reverse: true, fromStore: true, toStore: false, state);
    }

    // An intermediate decimating stage left every step at its own index t (writing the kept ones at t / factor would
    // overwrite forward-pass steps its backward pass still needs): move the kept ones down to t / factor.
    private static void Compact(float* store, int n, int factor)
    {
        for (long j = 1; j * factor < n; j++) CopyStep(store + j * factor * Lanes, store + j * Lanes);
    }

    /// <summary>Copies one time step (all lanes).</summary>
    public static void CopyStep(float* source, float* target)
    {
        for (int v = 0; v < Lanes; v += 8) Vector256.Load(source + v).Store(target + v);
    }

    private readonly struct Buffers(double* tile, double* edge, float* steps, float* store, float* kept)
    {
        public double* Tile => tile;

        public double* Edge => edge;

        public float* Steps => steps;

        public float* Store => store;

        public float* Kept => kept;
    }

    /// <summary>
    /// Where a stage reads (the input rows for the first stage, the store otherwise) and writes (the output rows,
    /// or the kept steps of a decimating last stage; the store otherwise, in place).
    /// </summary>
    private readonly struct StageIo(RowGroup input, RowGroup output, Buffers buffers, bool first, bool last, int factor)
    {
        public bool Last => last;

        /// <summary>Steps [start, start + steps) of the stage's input, in float64 (for the odd extensions).</summary>
        public void Load(int start, int steps, double* target)
        {
            if (first) input.Gather(start, steps, target);
            else SosCascade.Widen(buffers.Store + (long)start * Lanes, target, steps);
        }

        /// <summary>
        /// Runs <paramref name="cascade"/> over the n steps (in decreasing time order when reverse), from the stage's
        /// input or the store, to the store or the stage's output.
        /// </summary>
        public void Filter(SosCascade cascade, int n, bool reverse, bool fromStore, bool toStore, Span<Vector256<double>> state)
        {
            bool fromRows = first && !fromStore, toRows = last && !toStore;
            if (!fromRows && !toRows)
            {
                cascade.Run(buffers.Store, buffers.Store, n, reverse, state, buffers.Tile);
                return;
            }
            for (int done = 0; done < n; done += SosCascade.TileSteps)
            {
                int count = Math.Min(SosCascade.TileSteps, n - done), start = reverse ? n - done - count : done;
                float* inStore = buffers.Store + (long)start * Lanes;
                if (fromRows) input.Gather(start, count, buffers.Steps);
                cascade.Run(fromRows ? buffers.Steps : inStore, toRows ? buffers.Steps : inStore, count, reverse, state, buffers.Tile);
                if (toRows) Write(start, count);
            }
        }

        // The output steps [start, start + count) from the steps tile: to the rows, or (decimating) the kept ones to their slot.
        private void Write(int start, int count)
        {
            if (factor == 1)
            {
                output.Scatter(buffers.Steps, start, count);
                return;
            }
            for (int t = (start + factor - 1) / factor * factor; t < start + count; t += factor)
                CopyStep(buffers.Steps + (long)(t - start) * Lanes, buffers.Kept + (long)(t / factor) * Lanes);
        }
    }
}
