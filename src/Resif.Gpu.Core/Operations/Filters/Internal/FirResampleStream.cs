using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Filters.Internal;

/// <summary>
/// <see cref="IFilterKernels.FirResample"/> over time chunks (resample, decimate method=fir): keeps the input history
/// the pending outputs need and computes each output as soon as its last input sample has arrived. Every output is
/// the same dot product over the same samples as in the whole-window call (the history always starts at or before
/// the window of the first pending output, and at the end the buffer stops at the last sample, as the whole window
/// does): the result is the whole-window result bit for bit.
/// </summary>
internal sealed class FirResampleStream(TensorLayout output, IBackend backend, double[] taps, int up, int down, int delay, long samples, int rows)
    : IOperationStream
{
    private readonly HeldSamples _history = new(rows);
    private readonly long _outputs = output.Shape[^1];
    private long _produced;

    public Block Push(Block chunk)
    {
        _history.Append(chunk.Values, chunk.Columns);
        // Output j reads inputs up to floor((j·down + delay) / up), or the last sample when that lies beyond the end.
        long ready = _produced;
        while (ready < _outputs && Math.Min((ready * down + delay) / up, samples - 1) < _history.End) ready++;
        return Emit(ready);
    }

    public Block Finish() => Emit(_outputs);

    private Block Emit(long end)
    {
        int count = (int)(end - _produced);
        if (count == 0) return TimeChunk.Empty(output, _produced);
        // Keep history from the first sample of output _produced's window, and no later than _produced·down/up, which
        // guarantees the kernel's ceil(columns·up/down) outputs cover every pending one.
        long first = Math.Max(0, Math.Min(CeilDiv(_produced * down + delay - (taps.Length - 1), up), _produced * down / up));
        _history.DropBefore(first);
        int columns = _history.Count;
        int shiftedDelay = (int)(_produced * down + delay - _history.Start * up);
        int kernelOutputs = CpuBackend.FirResampledLength(columns, up, down);
        var result = new float[(long)rows * kernelOutputs];
        backend.Filters.FirResample(_history.Read(0, columns), rows, columns, taps, up, down, shiftedDelay, result);
        var block = TimeChunk.Of(output, _produced, count, count == kernelOutputs ? result : TimeChunk.Columns(result, rows, kernelOutputs, 0, count));
        _produced = end;
        return block;
    }

    private static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
