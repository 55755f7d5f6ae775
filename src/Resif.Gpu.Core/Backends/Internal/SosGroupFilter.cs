using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Runs a cascade over one <see cref="RowGroup"/> in a given <see cref="SosMode"/>. One instance per worker
/// thread: it owns the float64 tile the cascade runs in (L1-sized) and, for zero-phase, the time-major float32
/// store of the forward pass (half the footprint of float64, so that long windows stay in cache; the extra
/// rounding is ~6e-8 relative, far below the 1e-5 tolerance). Reading the rows is fused with the forward pass
/// and writing them with the backward pass: the block crosses memory once each way.
/// </summary>
internal sealed unsafe class SosGroupFilter
{
    private const int Lanes = SosCascade.Lanes;

    private readonly SosCascade _cascade;
    private readonly SosMode _mode;
    private readonly int _pad;
    private readonly double[] _tile;
    private readonly float[] _forward;

    public SosGroupFilter(SosCascade cascade, SosMode mode, int pad, int columns)
    {
        _cascade = cascade;
        _mode = mode;
        _pad = pad;
        // The tile also holds an edge of 2·pad + 1 steps while building odd extensions.
        _tile = new double[Math.Max(SosCascade.TileSteps, 2 * pad + 1) * Lanes];
        _forward = mode == SosMode.Causal ? [] : new float[(long)(columns + 2 * pad) * Lanes];
    }

    /// <summary>Filters the rows in place, or, with a <paramref name="target"/>, writes only the kept samples there.</summary>
    public void Run(RowGroup rows, DecimatedRows? target, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile)
        fixed (float* forward = _forward)
        {
            if (_mode == SosMode.Causal) RunCausal(rows, target, state, tile);
            else RunZeroPhase(rows, target, state, tile, forward);
        }
    }

    /// <summary>Filters the rows in place causally, continuing from <paramref name="state"/> (left as the last step leaves it).</summary>
    public void Continue(RowGroup rows, Span<Vector256<double>> state)
    {
        fixed (double* tile = _tile) RunForward(rows, null, state, tile);
    }

    private void RunCausal(RowGroup rows, DecimatedRows? target, Span<Vector256<double>> state, double* tile)
    {
        _cascade.Reset(state, null);
        RunForward(rows, target, state, tile);
    }

    private void RunForward(RowGroup rows, DecimatedRows? target, Span<Vector256<double>> state, double* tile)
    {
        for (int start = 0; start < rows.Columns; start += SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, rows.Columns - start);
            rows.Gather(start, count, tile);
            _cascade.Run(tile, count, reverse: false, state);
            Write(rows, target, tile, start, count);
        }
    }

    private void RunZeroPhase(RowGroup rows, DecimatedRows? target, Span<Vector256<double>> state, double* tile, float* forward)
    {
        int n = rows.Columns, pad = _pad;
        // forward[t] holds step t of the padded signal: pad extension steps, n data steps, pad extension steps.
        if (pad > 0)
        {
            // Left extension from x[0..pad], started in the steady state of its first value (scipy's zi · x[0]).
            rows.Gather(0, pad + 1, tile + pad * Lanes);
            RowGroup.ExtendBefore(tile + pad * Lanes, pad);
            _cascade.Reset(state, tile);
            _cascade.Run(tile, pad, reverse: false, state);
            Narrow(tile, forward, pad);
        }
        else
        {
            _cascade.Reset(state, null);
        }
        for (int start = 0; start < n; start += SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, n - start);
            rows.Gather(start, count, tile);
            _cascade.Run(tile, count, reverse: false, state);
            Narrow(tile, forward + (long)(pad + start) * Lanes, count);
        }
        if (pad > 0)
        {
            // Right extension from x[n-1-pad..n-1]; the backward pass starts from the last forward output.
            rows.Gather(n - 1 - pad, pad + 1, tile);
            RowGroup.ExtendAfter(tile + pad * Lanes, pad);
            _cascade.Run(tile + (pad + 1) * Lanes, pad, reverse: false, state);
            _cascade.Reset(state, tile + 2 * pad * Lanes);
            _cascade.Run(tile + (pad + 1) * Lanes, pad, reverse: true, state);
        }
        else
        {
            _cascade.Reset(state, null);
        }
        for (int end = n; end > 0; end -= SosCascade.TileSteps)
        {
            int count = Math.Min(SosCascade.TileSteps, end);
            Widen(forward + (long)(pad + end - count) * Lanes, tile, count);
            _cascade.Run(tile, count, reverse: true, state);
            Write(rows, target, tile, end - count, count);
        }
    }

    private static void Write(RowGroup rows, DecimatedRows? target, double* tile, int start, int steps)
    {
        if (target is { } decimated) decimated.Write(tile, start, steps, rows.Count);
        else rows.Scatter(tile, start, steps);
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
