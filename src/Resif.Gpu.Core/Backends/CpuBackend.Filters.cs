using System.Runtime.Intrinsics;
using Resif.Gpu.Core.Backends.Internal;
using Resif.Gpu.Core.Dsp;

namespace Resif.Gpu.Core;

/// <summary>Filter kernels: channels are SIMD lanes (groups of 8), groups run in parallel.</summary>
public sealed unsafe partial class CpuBackend
{
    public void SosFilter(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode)
    {
        CheckShape(data.Length, rows, columns, nameof(data));
        var cascade = new SosCascade(sos);
        int pad = mode == SosMode.ZeroPhaseOddPad ? FilterDesign.OddPadLength(sos) : 0;
        if (mode == SosMode.ZeroPhaseOddPad && columns <= pad)
            throw new ArgumentException($"odd padding needs more than {pad} samples per row, got {columns}", nameof(columns));
        // Causal filtering streams tile by tile; zero-phase keeps the whole (padded) row group time-major.
        int steps = mode == SosMode.Causal ? SosCascade.TileSteps : columns + 2 * pad;
        int groups = (rows + SosCascade.Lanes - 1) / SosCascade.Lanes;
        fixed (float* pointer = data)
        {
            nint address = (nint)pointer;
            Parallel.For(0, groups, ParallelOptions, () => new double[steps * SosCascade.Lanes], (group, _, buffer) =>
            {
                int firstRow = group * SosCascade.Lanes;
                var rowsHere = new RowGroup((float*)address + (long)firstRow * columns, columns, Math.Min(SosCascade.Lanes, rows - firstRow));
                Span<Vector256<double>> state = stackalloc Vector256<double>[cascade.StateLength];
                fixed (double* b = buffer) FilterGroup(rowsHere, cascade, mode, pad, b, state);
                return buffer;
            }, _ => { });
        }
    }

    public void FirDecimate(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> taps, int factor, int delay, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "must be >= 1");
        int outColumns = (columns + factor - 1) / factor;
        CheckShape(output.Length, rows, outColumns, nameof(output));
        // Reversed taps turn each output into a dot product with a contiguous input window.
        var reversed = taps.ToArray();
        Array.Reverse(reversed);
        fixed (float* inPointer = input)
        fixed (float* outPointer = output)
        {
            nint inAddress = (nint)inPointer, outAddress = (nint)outPointer;
            Parallel.For(0, rows, ParallelOptions, row =>
            {
                float* x = (float*)inAddress + (long)row * columns;
                float* y = (float*)outAddress + (long)row * outColumns;
                fixed (double* h = reversed)
                {
                    for (int j = 0; j < outColumns; j++) y[j] = (float)WindowDot(x, columns, j * (long)factor + delay - (reversed.Length - 1), h, reversed.Length);
                }
            });
        }
    }

    public void Downsample(ReadOnlySpan<float> input, int rows, int columns, int factor, Span<float> output)
    {
        CheckShape(input.Length, rows, columns, nameof(input));
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "must be >= 1");
        int outColumns = (columns + factor - 1) / factor;
        CheckShape(output.Length, rows, outColumns, nameof(output));
        for (int row = 0; row < rows; row++)
        {
            var x = input.Slice(row * columns, columns);
            var y = output.Slice(row * outColumns, outColumns);
            for (int j = 0; j < outColumns; j++) y[j] = x[j * factor];
        }
    }

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

    private static void CheckShape(int length, int rows, int columns, string name)
    {
        if (rows < 0 || columns < 0 || length < (long)rows * columns)
            throw new ArgumentException($"{name} holds {length} values, fewer than {rows} x {columns}", name);
    }

    private static void FilterGroup(RowGroup rows, SosCascade cascade, SosMode mode, int pad, double* buffer, Span<Vector256<double>> state)
    {
        if (mode == SosMode.Causal)
        {
            cascade.Reset(state, null);
            for (int start = 0; start < rows.Columns; start += SosCascade.TileSteps)
            {
                int count = Math.Min(SosCascade.TileSteps, rows.Columns - start);
                rows.Gather(start, count, buffer);
                cascade.Run(buffer, count, reverse: false, state);
                rows.Scatter(buffer, start, count);
            }
            return;
        }
        int steps = rows.Columns + 2 * pad;
        rows.Gather(0, rows.Columns, buffer + pad * SosCascade.Lanes);
        bool steady = mode == SosMode.ZeroPhaseOddPad;
        if (steady) RowGroup.OddExtend(buffer, rows.Columns, pad);
        cascade.Reset(state, steady ? buffer : null);
        cascade.Run(buffer, steps, reverse: false, state);
        cascade.Reset(state, steady ? buffer + (steps - 1) * SosCascade.Lanes : null);
        cascade.Run(buffer, steps, reverse: true, state);
        rows.Scatter(buffer + pad * SosCascade.Lanes, 0, rows.Columns);
    }

    // Σ h[k] · x[start + k], treating samples outside [0, columns) as zero.
    private static double WindowDot(float* x, int columns, long start, double* h, int taps)
    {
        long first = Math.Max(0, -start), last = Math.Min(taps, columns - start);
        double sum = 0;
        long k = first;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<double>.Zero;
            for (; k + 8 <= last; k += 8)
            {
                var xs = Vector256.Load(x + start + k);
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(h + k), Vector256.WidenLower(xs), acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(h + k + 4), Vector256.WidenUpper(xs), acc);
            }
            sum = Vector256.Sum(acc);
        }
        for (; k < last; k++) sum += h[k] * x[start + k];
        return sum;
    }
}
