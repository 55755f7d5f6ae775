using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// <see cref="ISosChainStream"/> on the CPU. Each group of <see cref="SosCascade.Lanes"/> rows keeps its signal
/// time-major (channel = SIMD lane) from the gather of a chunk to the last stage's output: one transpose in, one out,
/// whatever the number of stages, where streaming the operations one by one transposes and copies the rows for every
/// pass (held samples, the reversed backward input). Stages run the same kernels, edges and float32 roundings as
/// <see cref="SosGroupFilter"/> over the whole window.
/// </summary>
internal sealed unsafe class SosChainStream : ISosChainStream
{
    private const int Lanes = SosCascade.Lanes;

    private readonly int _rows;
    private readonly SosPass[] _passes;
    private readonly GroupStream[] _groups;
    private readonly ParallelOptions _parallel;
    private int _ready;
    private long _columns;
    private bool _finished;

    /// <param name="overlaps">Per pass, the steps a zero-phase one holds back (<see cref="ISosChainStream"/>).</param>
    public SosChainStream(SosPass[] passes, int[] overlaps, int rows, ParallelOptions parallel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (passes.Length == 0) throw new ArgumentException("no stage", nameof(passes));
        (_rows, _passes, _parallel) = (rows, passes, parallel);
        _groups = new GroupStream[(rows + Lanes - 1) / Lanes];
        for (int g = 0; g < _groups.Length; g++) _groups[g] = new GroupStream(passes, overlaps);
    }

    public int Push(ReadOnlySpan<float> input, int columns)
    {
        if (_finished) throw new InvalidOperationException("the stream has finished");
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (input.Length < (long)_rows * columns) throw new ArgumentException($"input holds {input.Length} values, fewer than {_rows} x {columns}", nameof(input));
        fixed (float* pointer = input)
        {
            nint address = (nint)pointer;
            Parallel.For(0, _groups.Length, _parallel, g =>
                _groups[g].Push(new RowGroup((float*)address + (long)g * Lanes * columns, columns, Math.Min(Lanes, _rows - g * Lanes))));
        }
        _columns += columns;
        return _ready = _groups[0].Ready;
    }

    public int Finish()
    {
        if (_finished) throw new InvalidOperationException("the stream has finished");
        _finished = true;
        long columns = _columns;
        foreach (var pass in _passes)
        {
            if (pass.Pad > 0 && columns <= pass.Pad) throw new InvalidOperationException($"zero-phase odd padding needs more than {pass.Pad} samples, got {columns}");
            columns = (columns + pass.Factor - 1) / pass.Factor;
        }
        Parallel.For(0, _groups.Length, _parallel, g => _groups[g].Finish());
        return _ready = _groups[0].Ready;
    }

    public void Take(Span<float> output)
    {
        int ready = _ready;
        if (output.Length < (long)_rows * ready) throw new ArgumentException($"output holds {output.Length} values, fewer than {_rows} x {ready}", nameof(output));
        fixed (float* pointer = output)
        {
            nint address = (nint)pointer;
            Parallel.For(0, _groups.Length, _parallel, g =>
                _groups[g].Take(new RowGroup((float*)address + (long)g * Lanes * ready, ready, Math.Min(Lanes, _rows - g * Lanes))));
        }
        _ready = 0;
    }

    public void Restart()
    {
        if (!_finished || _ready > 0) throw new InvalidOperationException("only a finished stream whose output was taken restarts");
        (_columns, _finished) = (0, false);
        foreach (var group in _groups) group.Restart();
    }

    /// <summary>The address of a pinned array's first element (every buffer of the stream is on the pinned heap).</summary>
    private static T* Address<T>(T[] array) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    /// <summary>
    /// One group's chain: the first stage reads the chunk's rows (a tile at a time where it filters them), every later
    /// stage the previous one's output, and the last one's output waits for Take.
    /// </summary>
    private sealed class GroupStream
    {
        private readonly StageStream[] _stages;
        private readonly LaneSteps _causalOutput = new(); // a causal first stage's output (later stages filter in place)
        private readonly LaneSteps _ready = new();
        private readonly double[] _tile = GC.AllocateUninitializedArray<double>(SosCascade.TileSteps * Lanes, pinned: true);
        private readonly float[] _gathered = GC.AllocateUninitializedArray<float>(SosCascade.TileSteps * Lanes, pinned: true);

        public GroupStream(SosPass[] passes, int[] overlaps)
        {
            _stages = new StageStream[passes.Length];
            for (int k = 0; k < passes.Length; k++) _stages[k] = new StageStream(passes[k], overlaps[k]);
        }

        public int Ready => _ready.Count;

        public void Push(RowGroup rows) => Flow(new StageInput(null, rows, Address(_gathered)), rows.Columns, last: false);

        public void Finish() => Flow(default, 0, last: true);

        public void Take(RowGroup rows)
        {
            rows.Scatter(_ready.Pointer, 0, rows.Columns);
            _ready.DropFront(rows.Columns);
        }

        public void Restart()
        {
            foreach (var stage in _stages) stage.Restart();
        }

        private void Flow(StageInput input, int count, bool last)
        {
            double* tile = Address(_tile);
            float* steps = _stages[0].Run(input, ref count, last, tile, _causalOutput);
            for (int k = 1; k < _stages.Length; k++) steps = _stages[k].Run(new StageInput(steps, default, null), ref count, last, tile, null);
            _ready.Append(steps, count);
        }
    }

    /// <summary>
    /// A stage's input: time-major steps that are the stage's to overwrite (the previous stage's output, which that
    /// stage no longer needs), or the chunk's rows, gathered a tile at a time right before a pass filters them (the
    /// tile is still in L1), or in one piece where a stage keeps them raw.
    /// </summary>
    private readonly struct StageInput(float* steps, RowGroup rows, float* gathered)
    {
        public float* Steps => steps;

        /// <summary>Whether the input is the chunk's rows (gathered through <c>gathered</c>, a tile of steps).</summary>
        public bool FromRows => gathered is not null;

        public void CopyTo(int start, int count, float* target)
        {
            if (FromRows) rows.Gather(start, count, target);
            else Buffer.MemoryCopy(steps + (long)start * Lanes, target, (long)count * Lanes * sizeof(float), (long)count * Lanes * sizeof(float));
        }

        /// <summary>The cascade forward over steps [start, start + count) into <paramref name="target"/> (the input steps themselves allowed).</summary>
        public void Filter(SosCascade cascade, int start, int count, float* target, Span<Vector256<double>> state, double* tile)
        {
            if (!FromRows)
            {
                cascade.Run(steps + (long)start * Lanes, target, count, reverse: false, state, tile);
                return;
            }
            for (int done = 0; done < count; done += SosCascade.TileSteps)
            {
                int n = Math.Min(SosCascade.TileSteps, count - done);
                rows.Gather(start + done, n, gathered);
                cascade.Run(gathered, target + (long)done * Lanes, n, reverse: false, state, tile);
            }
        }
    }

    /// <summary>One stage of one group; it returns its output steps, valid until its next call.</summary>
    private sealed class StageStream
    {
        private readonly SosCascade _cascade;
        private readonly int _pad, _factor, _overlap;
        private readonly bool _causal;
        private readonly Vector256<double>[] _forward, _backward;
        private readonly LaneSteps _held = new();   // zero-phase: forward output not yet released (raw input until the odd pad starts)
        private readonly LaneSteps _tail = new();   // odd pad: the last pad + 1 input steps, for the extension at the end
        private readonly double[] _edge;            // odd pad: an extension and the pad + 1 steps it mirrors, in float64
        private readonly float[] _discard = GC.AllocateUninitializedArray<float>(SosCascade.TileSteps * Lanes, pinned: true);
        private long _consumed, _released;          // input steps so far; window index of the first held step
        private int _releasedSteps;                 // held steps the last call released (filtered backwards in place), dropped at the next
        private bool _started;

        public StageStream(SosPass pass, int overlap)
        {
            (_cascade, _pad, _factor, _overlap) = (pass.Cascade, pass.Pad, pass.Factor, overlap);
            _causal = pass.Mode == SosMode.Causal;
            _forward = new Vector256<double>[_cascade.StateLength];
            _backward = new Vector256<double>[_cascade.StateLength];
            _edge = GC.AllocateUninitializedArray<double>((2 * _pad + 1) * Lanes, pinned: true);
            _started = _pad == 0; // at rest: the state arrays start cleared
        }

        public void Restart()
        {
            Array.Clear(_forward);
            (_held.Count, _tail.Count, _consumed, _released, _releasedSteps, _started) = (0, 0, 0, 0, 0, _pad == 0);
        }

        /// <summary>
        /// Takes <paramref name="count"/> input steps; returns the output steps and sets <paramref name="count"/> to their
        /// number. A causal stage filters steps in place, rows into <paramref name="rowsOutput"/>.
        /// </summary>
        public float* Run(StageInput input, ref int count, bool last, double* tile, LaneSteps? rowsOutput)
        {
            long first = _consumed;
            _consumed += count;
            if (_causal)
            {
                float* output = input.Steps;
                if (input.FromRows)
                {
                    rowsOutput!.Reserve(count);
                    output = rowsOutput.Pointer;
                }
                input.Filter(_cascade, 0, count, output, _forward, tile);
                return Keep(output, ref count, first);
            }
            _held.DropFront(_releasedSteps);
            _releasedSteps = 0;
            if (_pad > 0) _tail.KeepLatest(input, count, _pad + 1);
            int raw = 0;
            if (!_started)
            {
                // Only the pad + 1 steps the extension mirrors wait raw; the rest go straight through the forward pass.
                raw = Math.Min(count, _pad + 1 - _held.Count);
                _held.Append(input, 0, raw);
                if (_held.Count > _pad) StartOddPad(tile);
            }
            if (_started)
            {
                _held.Reserve(_held.Count + count - raw);
                input.Filter(_cascade, raw, count - raw, _held.End, _forward, tile);
                _held.Count += count - raw;
            }
            if (last)
            {
                count = _held.Count; // started: Finish checked the length
                return Release(ref count, atEnd: true, tile);
            }
            // Pieces at least as long as the overlap: re-filtering the overlap costs at most as much again.
            count = _held.Count - _overlap;
            if (count >= Math.Max(1, _overlap)) return Release(ref count, atEnd: false, tile);
            count = 0;
            return null;
        }

        // sosfiltfilt's start: odd extension before step 0 (float64), the forward pass starting in the steady state of
        // its first value, then the held raw steps (the first pad + 1) filtered in place.
        private void StartOddPad(double* tile)
        {
            double* edge = Address(_edge);
            SosCascade.Widen(_held.Pointer, edge + _pad * Lanes, _pad + 1);
            RowGroup.ExtendBefore(edge + _pad * Lanes, _pad);
            _cascade.Reset(_forward, edge);
            _cascade.Run(edge, _pad, reverse: false, _forward);
            _cascade.Run(_held.Pointer, _held.Pointer, _held.Count, reverse: false, _forward, tile);
            _started = true;
        }

        // The backward pass over the first `count` held steps, in place (they are dropped at the next call): from the
        // true end (odd extension and steady state as sosfiltfilt, or rest) when the input has ended, else from rest at
        // the last held step, through the steps beyond the piece into a discarded tile (they are held on).
        private float* Release(ref int count, bool atEnd, double* tile)
        {
            if (atEnd && _pad > 0)
            {
                double* edge = Address(_edge);
                SosCascade.Widen(_tail.Pointer, edge, _pad + 1);
                RowGroup.ExtendAfter(edge + _pad * Lanes, _pad);
                _cascade.Run(edge + (_pad + 1) * Lanes, _pad, reverse: false, _forward);
                _cascade.Reset(_backward, edge + 2 * _pad * Lanes);
                _cascade.Run(edge + (_pad + 1) * Lanes, _pad, reverse: true, _backward);
            }
            else
            {
                _cascade.Reset(_backward, null);
            }
            float* discard = Address(_discard);
            for (int end = _held.Count; end > count; end -= SosCascade.TileSteps)
            {
                int steps = Math.Min(SosCascade.TileSteps, end - count);
                _cascade.Run(_held.Pointer + (long)(end - steps) * Lanes, discard, steps, reverse: true, _backward, tile);
            }
            _cascade.Run(_held.Pointer, _held.Pointer, count, reverse: true, _backward, tile);
            long first = _released;
            _released += count;
            _releasedSteps = count;
            return Keep(_held.Pointer, ref count, first);
        }

        // The steps whose window index (first + i) is a multiple of the factor, moved down to the front in place.
        private float* Keep(float* steps, ref int count, long first)
        {
            if (_factor == 1) return steps;
            int offset = (int)((_factor - first % _factor) % _factor);
            int kept = offset < count ? (count - offset - 1) / _factor + 1 : 0;
            for (int j = 0; j < kept; j++) SosGroupFilter.CopyStep(steps + (long)(offset + j * _factor) * Lanes, steps + (long)j * Lanes);
            count = kept;
            return steps;
        }
    }

    /// <summary>
    /// Time steps of <see cref="Lanes"/> float32 lanes (step t at t · Lanes), appended at the end and dropped from the
    /// front, on the pinned heap so that the kernels can take their address.
    /// </summary>
    private sealed class LaneSteps
    {
        private float[] _data = [];

        public int Count { get; set; }

        public float* Pointer => Address(_data);

        public float* End => Pointer + (long)Count * Lanes;

        /// <summary>Room for <paramref name="steps"/> steps, the held ones kept; a quarter of headroom, since the chunks that follow are alike.</summary>
        public void Reserve(int steps)
        {
            long length = (long)Math.Max(steps, 1) * Lanes;
            if (_data.Length >= length) return;
            if (length > Array.MaxLength) throw new InvalidOperationException($"{steps} time steps of {Lanes} lanes exceed the largest array");
            var grown = GC.AllocateUninitializedArray<float>((int)Math.Min(length + length / 4, Array.MaxLength), pinned: true);
            _data.AsSpan(0, Count * Lanes).CopyTo(grown);
            _data = grown;
        }

        public void Append(float* steps, int count) => Append(new StageInput(steps, default, null), 0, count);

        /// <summary>Appends steps [start, start + count) of <paramref name="input"/>.</summary>
        public void Append(StageInput input, int start, int count)
        {
            Reserve(Count + count);
            input.CopyTo(start, count, End);
            Count += count;
        }

        public void DropFront(int count)
        {
            _data.AsSpan(count * Lanes, (Count - count) * Lanes).CopyTo(_data);
            Count -= count;
        }

        /// <summary>Appends the <paramref name="count"/> steps of <paramref name="input"/> but keeps only the latest <paramref name="limit"/> held.</summary>
        public void KeepLatest(StageInput input, int count, int limit)
        {
            int take = Math.Min(count, limit);
            DropFront(Count - Math.Min(Count, limit - take));
            Append(input, count - take, take);
        }
    }
}
