using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Filters.Internal;

/// <summary>Streams for a second-order-section cascade in any <see cref="SosMode"/>, optionally keeping every factor-th sample.</summary>
internal static class SosStreams
{
    public static IOperationStream Open(TensorLayout window, TensorLayout output, IBackend backend, double[] sos, SosMode mode, int factor) =>
        mode == SosMode.Causal
            ? new CausalSosStream(output, backend, sos, (int)window.Shape[0], factor)
            : new ZeroPhaseSosStream(output, backend, sos, (int)window.Shape[0], factor, mode == SosMode.ZeroPhaseOddPad);

    /// <summary>Per-row states for <see cref="IFilterKernels.SosFilterContinue"/>: <paramref name="perSection"/> × <paramref name="edge"/>[row].</summary>
    public static double[] SteadyState(double[] perSection, ReadOnlySpan<float> edge, int rows)
    {
        var state = new double[rows * perSection.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < perSection.Length; i++) state[r * perSection.Length + i] = perSection[i] * edge[r];
        }
        return state;
    }

    /// <summary><paramref name="destination"/>[i] = <paramref name="source"/>[n − 1 − i]: a copy and a reversal in one pass.</summary>
    public static void CopyReversed(ReadOnlySpan<float> source, Span<float> destination)
    {
        int n = source.Length, i = 0;
        if (destination.Length < n) throw new ArgumentException("destination shorter than the source", nameof(destination));
        ref float from = ref MemoryMarshal.GetReference(source);
        ref float to = ref MemoryMarshal.GetReference(destination);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
                FftLanes.Reversed(Vector256.LoadUnsafe(ref from, (nuint)(n - i - Vector256<float>.Count))).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < n; i++) destination[i] = source[n - 1 - i];
    }
}

/// <summary>A backend's <see cref="ISosChainStream"/> as the stream of the operations it fuses.</summary>
internal sealed class FusedSosStream(TensorLayout output, ISosChainStream chain) : IOperationStream
{
    private long _produced;

    public Block Push(Block chunk) => Taken(chain.Push(chunk.Values, chunk.Columns));

    public Block Finish() => Taken(chain.Finish());

    private Block Taken(int columns)
    {
        if (columns == 0) return TimeChunk.Empty(output, _produced);
        var values = GC.AllocateUninitializedArray<float>(checked((int)(output.Shape[0] * columns)));
        chain.Take(values);
        var result = TimeChunk.Of(output, _produced, columns, values);
        _produced += columns;
        return result;
    }
}

/// <summary>
/// Causal filtering with the float64 section state carried from chunk to chunk: the output is the whole-window
/// output bit for bit. With a factor, keeps the samples whose index in the window is a multiple of it (ObsPy decimate).
/// </summary>
internal sealed class CausalSosStream(TensorLayout output, IBackend backend, double[] sos, int rows, int factor) : IOperationStream
{
    private readonly double[] _state = new double[rows * 2 * FilterDesign.SectionCount(sos)];
    private long _consumed, _produced;

    public Block Push(Block chunk)
    {
        int columns = chunk.Columns;
        backend.Filters.SosFilterContinue(chunk.Values, rows, columns, sos, _state);
        var kept = factor == 1 ? chunk.Data : TimeChunk.KeepMultiples(chunk.Values, rows, columns, _consumed, factor, out columns);
        _consumed += chunk.Columns;
        var result = TimeChunk.Of(output, _produced, columns, kept);
        _produced += columns;
        return result;
    }

    public Block Finish() => TimeChunk.Empty(output, _produced);
}

/// <summary>
/// Zero-phase filtering (ObsPy: zero state, no padding; or SciPy sosfiltfilt: odd extension and steady-state starts)
/// over time chunks. The forward pass carries its state exactly (the odd extension at the start only needs the
/// first pad + 1 samples). The backward pass needs the future: each emitted piece is filtered backwards from
/// <c>FilterDesign.DecayLength(sos, FilterDesign.StreamOverlapDecay)</c> samples beyond it, starting at rest there, so these samples
/// are held back until more data comes; at the true end (Finish) the backward pass starts exactly as the whole-window
/// kernel does. The difference from the whole-window result is the start-state error decayed by 1e-10, plus float32
/// rounding of the odd extensions (the whole-window kernel builds them in float64): measured ~1e-7 of the peak.
/// </summary>
internal sealed class ZeroPhaseSosStream : IOperationStream
{
    private readonly TensorLayout _output;
    private readonly IBackend _backend;
    private readonly double[] _sos;
    private readonly double[] _steadyState;
    private readonly int _rows, _factor, _pad, _overlap;
    private readonly bool _oddPad;
    private readonly HeldSamples _forward;     // forward-pass output not yet emitted
    private readonly HeldSamples _rawHead;     // odd pad: input until the first pad + 1 samples are known
    private readonly HeldSamples _rawTail;     // odd pad: the last pad + 1 input samples, for the extension at the end
    private double[] _forwardState;
    private float[] _reversed = []; // the backward pass's work, reused from emit to emit
    private bool _started;
    private long _produced;

    public ZeroPhaseSosStream(TensorLayout output, IBackend backend, double[] sos, int rows, int factor, bool oddPad)
    {
        (_output, _backend, _sos, _rows, _factor, _oddPad) = (output, backend, sos, rows, factor, oddPad);
        _steadyState = FilterDesign.SteadyStateState(sos);
        _pad = oddPad ? FilterDesign.OddPadLength(sos) : 0;
        _overlap = FilterDesign.DecayLength(sos, FilterDesign.StreamOverlapDecay);
        _forward = new HeldSamples(rows);
        _rawHead = new HeldSamples(rows);
        _rawTail = new HeldSamples(rows);
        _forwardState = new double[rows * _steadyState.Length];
        _started = !oddPad;
    }

    public Block Push(Block chunk)
    {
        int columns = chunk.Columns;
        if (_oddPad)
        {
            _rawTail.AppendLatest(chunk.Values, columns, _pad + 1);
        }
        if (_started)
        {
            FilterForward(chunk.Values, columns);
        }
        else
        {
            _rawHead.Append(chunk.Values, columns);
            if (_rawHead.Count > _pad) StartOddPad();
        }
        // Emit in pieces at least as long as the overlap, so that re-filtering the overlap costs at most as much again.
        int ready = _forward.Count - _overlap;
        return ready >= Math.Max(1, _overlap) ? EmitBackward(ready, [], 0, null) : TimeChunk.Empty(_output, _produced);
    }

    public Block Finish()
    {
        if (!_started) throw new InvalidOperationException($"zero-phase odd padding needs more than {_pad} samples");
        if (!_oddPad) return EmitBackward(_forward.Count, [], 0, null);
        // sosfiltfilt's end: odd extension after the last sample, forward through it, then backwards from its last
        // output in the steady state.
        var tail = _rawTail.Read(0, _rawTail.Count);
        int last = _rawTail.Count - 1;
        var extension = new float[_rows * _pad];
        for (int r = 0; r < _rows; r++)
        {
            float edge = tail[r * _rawTail.Count + last];
            for (int k = 1; k <= _pad; k++) extension[r * _pad + k - 1] = 2 * edge - tail[r * _rawTail.Count + last - k];
        }
        _backend.Filters.SosFilterContinue(extension, _rows, _pad, _sos, _forwardState);
        var lastForward = new float[_rows];
        for (int r = 0; r < _rows; r++) lastForward[r] = extension[r * _pad + _pad - 1];
        return EmitBackward(_forward.Count, extension, _pad, SosStreams.SteadyState(_steadyState, lastForward, _rows));
    }

    // sosfiltfilt's start: odd extension before sample 0, the forward pass starting in the steady state of its first value.
    private void StartOddPad()
    {
        var head = _rawHead.Read(0, _rawHead.Count);
        int count = _rawHead.Count;
        var extension = new float[_rows * _pad];
        var first = new float[_rows];
        for (int r = 0; r < _rows; r++)
        {
            float edge = head[r * count];
            for (int k = 1; k <= _pad; k++) extension[r * _pad + _pad - k] = 2 * edge - head[r * count + k];
            first[r] = extension[r * _pad];
        }
        _forwardState = SosStreams.SteadyState(_steadyState, first, _rows);
        _backend.Filters.SosFilterContinue(extension, _rows, _pad, _sos, _forwardState);
        _started = true;
        _rawHead.Drop(count);
        FilterForward(head, count);
    }

    private void FilterForward(Span<float> values, int columns)
    {
        _backend.Filters.SosFilterContinue(values, _rows, columns, _sos, _forwardState);
        _forward.Append(values, columns);
    }

    // Backward pass over the held forward output followed by `after` (rows × afterColumns), starting from
    // `state` (null: at rest); emits the first `count` held samples (decimated) and forgets them.
    private Block EmitBackward(int count, float[] after, int afterColumns, double[]? state)
    {
        int held = _forward.Count, columns = held + afterColumns;
        long length = (long)_rows * columns;
        // A quarter of headroom: later emits hold a little more (the overlap), and each regrowth would fault pages in.
        if (_reversed.Length < length) _reversed = new float[Math.Min(length + length / 4, Array.MaxLength)];
        var reversed = _reversed.AsSpan(0, checked((int)length));
        for (int r = 0; r < _rows; r++)
        {
            // The row reversed: the `after` columns (reversed) first, then the held ones.
            var target = reversed.Slice(r * columns, columns);
            SosStreams.CopyReversed(after.AsSpan(r * afterColumns, afterColumns), target);
            SosStreams.CopyReversed(_forward.Row(r), target[afterColumns..]);
        }
        _backend.Filters.SosFilterContinue(reversed, _rows, columns, _sos, state ?? new double[_rows * _steadyState.Length]);
        // Held sample i sits at reversed column columns − 1 − i; keep those whose window index is a multiple of the factor.
        long start = _forward.Start;
        int first = (int)((_factor - start % _factor) % _factor);
        int kept = first < count ? (count - first - 1) / _factor + 1 : 0;
        var emitted = new float[(long)_rows * kept];
        for (int r = 0; r < _rows; r++)
        {
            if (_factor == 1)
            {
                // Every held sample is kept: the row's last `kept` reversed values, turned back round.
                SosStreams.CopyReversed(reversed.Slice(r * columns + columns - kept, kept), emitted.AsSpan(r * kept, kept));
                continue;
            }
            var reversedRow = reversed.Slice(r * columns, columns);
            var emittedRow = emitted.AsSpan(r * kept, kept);
            for (int j = 0, at = columns - 1 - first; j < kept; j++, at -= _factor) emittedRow[j] = reversedRow[at];
        }
        _forward.Drop(count);
        var result = TimeChunk.Of(_output, _produced, kept, emitted);
        _produced += kept;
        return result;
    }
}
