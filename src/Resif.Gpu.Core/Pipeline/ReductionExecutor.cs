using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Operations.Filters.Internal;

namespace Resif.Gpu.Core.Pipeline;

/// <summary>
/// One computed step of one block and its wall time, for metrics: <paramref name="operations"/> names the operations
/// the step covered, joined with '+' when they ran as one (a fused filter chain, a device pipeline, time-chunked streams).
/// </summary>
public delegate void StepTimed(string operations, TimeSpan elapsed);

/// <summary>What the executor produces, in order: one header, data chunks (with progress), one trailer.</summary>
public abstract record ReductionPart;

public sealed record ResultHeader(ReductionPlan Plan, string Backend, string Device) : ReductionPart;

/// <summary>Bytes of the C-order little-endian output tensor starting at <see cref="Offset"/>.</summary>
public sealed record ResultChunk(long Offset, ReadOnlyMemory<byte> Data) : ReductionPart;

public sealed record ResultProgress(double Fraction, long BytesProduced) : ReductionPart;

public sealed record ResultTrailer(long TotalBytes, long InputBytes, TimeSpan Elapsed, string Sha256) : ReductionPart
{
    /// <summary>
    /// The backend's device once the work ended: the header names it before the work, so when a GPU failed mid-way
    /// (and the rest ran on the CPU backend) only this says so.
    /// </summary>
    public string Device { get; init; } = "";
}

/// <summary>
/// Runs a plan block by block and emits the output in chunks of at most <see cref="ChunkBytes"/>: on the host, block
/// b + 2 is read and b + 1 computed while the chunks of block b go out (so the consumer's work, e.g. gRPC framing and
/// hashing, overlaps the computation; memory: two input blocks and two output blocks). A block is a range of channels over the whole time window, or, when
/// the plan has a <see cref="ReductionPlan.TimeChunkSamples"/>, a range of channels read in time chunks that go through
/// the operations' <see cref="IOperationStream"/>s and are assembled into the block's output. The embedded CLI and
/// the gRPC server both consume this, so they give the same bytes.
/// </summary>
public static class ReductionExecutor
{
    public const int ChunkBytes = 1 << 20;

    /// <summary><paramref name="timed"/>, when given, hears of every computed step of every block (see <see cref="StepTimed"/>).</summary>
    public static async IAsyncEnumerable<ReductionPart> RunAsync(ReductionPlan plan, IArraySource source, IBackend backend,
        [EnumeratorCancellation] CancellationToken cancellationToken = default, StepTimed? timed = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the wire format is little-endian");
        var clock = Stopwatch.StartNew();
        yield return new ResultHeader(plan, backend.Name, backend.Device);
        string allOperations = Names(plan.Operations, 0, plan.Operations.Count);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var selection = plan.Selection;
        long blocks = (selection.ChannelCount + plan.ChannelsPerBlock - 1) / plan.ChannelsPerBlock;
        long offset = 0, inputBytes = 0;

        long timeChunks = plan.TimeChunkSamples > 0 ? (selection.TimeCount + plan.TimeChunkSamples - 1) / plan.TimeChunkSamples : 1;
        long pieces = blocks * timeChunks;
        // A device backend pipelines whole-window blocks itself, pulling them one ahead of the block it computes.
        using IEnumerator<ResidentResult>? resident = plan.TimeChunkSamples == 0 && backend is IResidentPipelines device
            ? device.RunResident(plan.Operations, ReadAhead(plan, source, blocks, cancellationToken), cancellationToken).GetEnumerator()
            : null;
        // On the host, a piece's input array, once its operations are done with it, takes a later read: whole-window
        // blocks whose output is not their input, and every time chunk (streams copy what they hold back).
        var buffers = resident is null ? new InputBuffers() : null;
        Task<Block>? next = resident is null ? Task.Run(() => ReadPiece(plan, source, 0, 0, buffers), cancellationToken) : null;
        // Whole-window blocks on the host: block b + 1 is computed (and b + 2 read) while the chunks of block b go out.
        Task<ComputedBlock>? computing = null;
        // Time chunks: the backend's filter chain streams, restarted for each channel block.
        var chainStreams = new Dictionary<(int Operation, int Rows), ISosChainStream>();
        try
        {
            for (long b = 0; b < blocks; b++)
            {
                OperationChain? chain = null;
                Block output;
                for (long t = 0; ; t++)
                {
                    if (resident is not null)
                    {
                        long started = Stopwatch.GetTimestamp();
                        var result = await Task.Run(() => resident.MoveNext() ? resident.Current : throw new InvalidOperationException("the device returned fewer blocks than it was given"),
                            cancellationToken).ConfigureAwait(false);
                        // The device's step includes the copies and the reads it overlaps with its kernels; a declined block runs below.
                        if (result.Output is not null) timed?.Invoke(allOperations, Stopwatch.GetElapsedTime(started));
                        inputBytes += result.Input.Layout.ByteCount;
                        output = result.Output ?? await Task.Run(() => RunOperations(plan, result.Input, backend, timed, cancellationToken), cancellationToken).ConfigureAwait(false);
                        break;
                    }
                    if (plan.TimeChunkSamples == 0)
                    {
                        if (computing is null) // block 0: its read was started above; later reads start from the block before
                        {
                            computing = ComputeAsync(plan, source, backend, buffers!, next!, 0, blocks, timed, cancellationToken);
                            next = null;
                        }
                        var computed = await computing.ConfigureAwait(false);
                        computing = computed.NextRead is null ? null
                            : ComputeAsync(plan, source, backend, buffers!, computed.NextRead, b + 1, blocks, timed, cancellationToken);
                        inputBytes += computed.InputBytes;
                        output = computed.Output;
                        break;
                    }
                    var input = await next!.ConfigureAwait(false);
                    long followingPiece = b * timeChunks + t + 1; // a copy: the lambda must not see the loop variables move on
                    next = followingPiece < pieces ? Task.Run(() => ReadPiece(plan, source, followingPiece / timeChunks, followingPiece % timeChunks, buffers), cancellationToken) : null;
                    inputBytes += input.Layout.ByteCount;
                    chain ??= new OperationChain(plan, input.Rows, b * plan.ChannelsPerBlock, backend, chainStreams);
                    await Task.Run(() => Timed(timed, allOperations, () => chain.Push(input, cancellationToken)), cancellationToken).ConfigureAwait(false);
                    buffers!.Return(input.Data);
                    if (t == timeChunks - 1)
                    {
                        output = Timed(timed, allOperations, () => chain.Finish(cancellationToken));
                        break;
                    }
                    // A block's output only comes when the block ends: say how far its time chunks have got meanwhile.
                    yield return new ResultProgress((b + (double)(t + 1) / timeChunks) / blocks, offset);
                }

                // Chunks are slices of the output block, not copies: no later block writes into it, and consumers that keep
                // chunks (the INT16 scale needs them all) keep the block alive through them.
                var outputBytes = new FloatBytes(output.Data).Memory[..checked((int)output.Layout.ByteCount)];
                for (int start = 0; start < outputBytes.Length; start += ChunkBytes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = outputBytes.Slice(start, Math.Min(ChunkBytes, outputBytes.Length - start));
                    hash.AppendData(chunk.Span);
                    yield return new ResultChunk(offset, chunk);
                    offset += chunk.Length;
                }
                yield return new ResultProgress((double)(b + 1) / blocks, offset);
            }
        }
        finally
        {
            // Never leave a read or a computation running on a source or backend the caller is about to dispose.
            if (next is not null) await next.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (computing is not null)
            {
                await computing.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                if (computing.IsCompletedSuccessfully && computing.Result.NextRead is { } read) await read.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
        if (offset != plan.Output.ByteCount)
            throw new InvalidOperationException($"pipeline produced {offset} bytes, planned {plan.Output.ByteCount}");
        yield return new ResultTrailer(offset, inputBytes, clock.Elapsed, Convert.ToHexStringLower(hash.GetHashAndReset())) { Device = backend.Device };
    }

    // Channel block `blockIndex`, over the whole time window or over time chunk `chunkIndex` when the plan chunks time.
    private static Block ReadPiece(ReductionPlan plan, IArraySource source, long blockIndex, long chunkIndex, InputBuffers? buffers = null)
    {
        var s = plan.Selection;
        long first = blockIndex * plan.ChannelsPerBlock;
        long count = Math.Min(plan.ChannelsPerBlock, s.ChannelCount - first);
        long timeFirst = chunkIndex * plan.TimeChunkSamples;
        long samples = plan.TimeChunkSamples == 0 ? s.TimeCount : Math.Min(plan.TimeChunkSamples, s.TimeCount - timeFirst);
        var layout = plan.Input with
        {
            Shape = [count, samples],
            Coords = [plan.Input.Coords[0].Slice(first, count), plan.Input.Coords[1].Slice(timeFirst, samples)],
        };
        // Uninitialised: Read writes every value of the destination (the fill value where the array holds none).
        var data = buffers?.Rent(checked(count * samples)) ?? GC.AllocateUninitializedArray<float>(checked((int)(count * samples)));
        source.Read(s.ChannelStart + first * s.ChannelStep, count, s.ChannelStep, s.TimeStart + timeFirst, samples, data);
        return new Block(layout, data);
    }

    /// <summary>The whole-window channel blocks in order, reading the next while the consumer works on the current one.</summary>
    private static IEnumerable<Block> ReadAhead(ReductionPlan plan, IArraySource source, long blocks, CancellationToken cancellationToken)
    {
        Task<Block>? next = Task.Run(() => ReadPiece(plan, source, 0, 0), cancellationToken);
        try
        {
            for (long b = 0; b < blocks; b++)
            {
                Block block = next!.GetAwaiter().GetResult();
                long following = b + 1; // a copy: the lambda must not see the loop variable move on
                next = following < blocks ? Task.Run(() => ReadPiece(plan, source, following, 0), cancellationToken) : null;
                yield return block;
            }
        }
        finally
        {
            // Never leave a read running on a source the caller is about to dispose.
            next?.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        }
    }

    /// <summary>A whole-window block's output, the input bytes it read and the read of the block after it, already started.</summary>
    private sealed record ComputedBlock(Block Output, long InputBytes, Task<Block>? NextRead);

    // Block `index` once its read is done: the next read starts at once (one read in flight, one block ahead), then the
    // operations run on a worker. A failed or cancelled computation waits for that read, so none outlives the run.
    private static async Task<ComputedBlock> ComputeAsync(ReductionPlan plan, IArraySource source, IBackend backend, InputBuffers buffers,
        Task<Block> read, long index, long blocks, StepTimed? timed, CancellationToken cancellationToken)
    {
        var input = await read.ConfigureAwait(false);
        var nextRead = index + 1 < blocks ? Task.Run(() => ReadPiece(plan, source, index + 1, 0, buffers), cancellationToken) : null;
        try
        {
            var output = await Task.Run(() => RunOperations(plan, input, backend, timed, cancellationToken), cancellationToken).ConfigureAwait(false);
            // Operations that work in place hand the input array on as their output, whose chunks are still to be sent.
            if (!ReferenceEquals(output.Data, input.Data)) buffers.Return(input.Data);
            return new ComputedBlock(output, input.Layout.ByteCount, nextRead);
        }
        catch
        {
            if (nextRead is not null) await nextRead.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }
    }

    private static Block RunOperations(ReductionPlan plan, Block block, IBackend backend, StepTimed? timed, CancellationToken cancellationToken)
    {
        var operations = plan.Operations;
        // A device backend may chain the whole pipeline in its memory: one upload and one download per block.
        if (backend is IResidentPipelines device)
        {
            long started = Stopwatch.GetTimestamp();
            if (device.TryRunResident(operations, block, cancellationToken) is { } resident)
            {
                timed?.Invoke(Names(operations, 0, operations.Count), Stopwatch.GetElapsedTime(started));
                return resident;
            }
        }
        for (int i = 0; i < operations.Count;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (fusedLayout, stages) = SosRun(operations, i, block.Layout);
            if (stages.Count > 1)
            {
                var input = block;
                block = Timed(timed, Names(operations, i, stages.Count), () => RunSosChain(input, fusedLayout, stages, backend));
                i += stages.Count;
                continue;
            }
            var operation = operations[i++];
            var expected = operation.Plan(block.Layout);
            var operationInput = block;
            block = Timed(timed, operation.Name, () => operation.Run(operationInput, backend));
            if (!block.Layout.Shape.SequenceEqual(expected.Shape))
            {
                throw new InvalidOperationException(
                    $"{operation.Name} produced shape ({string.Join(", ", block.Layout.Shape)}), planned ({string.Join(", ", expected.Shape)})");
            }
        }
        return block;
    }

    /// <summary>Operations computed as one step, by name, joined with '+' (e.g. "bandpass+decimate").</summary>
    private static string Names(IReadOnlyList<IOperation> operations, int start, int count) =>
        string.Join('+', operations.Skip(start).Take(count).Select(operation => operation.Name));

    private static T Timed<T>(StepTimed? timed, string operations, Func<T> step)
    {
        if (timed is null) return step();
        long start = Stopwatch.GetTimestamp();
        T result = step();
        timed(operations, Stopwatch.GetElapsedTime(start));
        return result;
    }

    private static void Timed(StepTimed? timed, string operations, Action step) => Timed(timed, operations, () =>
    {
        step();
        return true;
    });

    /// <summary>
    /// The consecutive operations from <paramref name="start"/> that are each one SOS cascade on a [channel, time]
    /// block (pass filters, IIR and ObsPy decimation), with the layout they leave: run as one chain, each channel
    /// group stays in cache through all of them instead of crossing memory twice per operation.
    /// </summary>
    private static (TensorLayout Output, List<SosStage> Stages) SosRun(IReadOnlyList<IOperation> operations, int start, TensorLayout input)
    {
        var stages = new List<SosStage>();
        var layout = input;
        for (int i = start; i < operations.Count && layout.Shape.Count == 2; i++)
        {
            if (operations[i] is not ISosStageSource source || source.SosStage(layout) is not { } stage) break;
            stages.Add(stage);
            layout = operations[i].Plan(layout);
        }
        return (layout, stages);
    }

    private static Block RunSosChain(Block block, TensorLayout output, List<SosStage> stages, IBackend backend)
    {
        int rows = block.Rows, columns = block.Columns, outColumns = SosStage.OutputColumns(columns, stages);
        if (output.ElementCount != (long)rows * outColumns)
            throw new InvalidOperationException($"fused filters leave {rows} x {outColumns} values, planned ({string.Join(", ", output.Shape)})");
        // Without decimation the chain runs in place (the kernels allow it), as the operations one by one would; with it,
        // the chain writes every output value, so the array need not be cleared first.
        var values = outColumns == columns ? block.Data : GC.AllocateUninitializedArray<float>(checked(rows * outColumns));
        backend.Filters.SosChain(block.Values, rows, columns, stages, values.AsSpan(0, rows * outColumns));
        return new Block(output, values);
    }

    /// <summary>
    /// Input arrays of finished pieces (whole-window blocks or time chunks), kept for the following reads of the same
    /// run. A fresh array per piece (up to 32 MiB by default) costs the GC's clearing and, where the GC gave the memory
    /// back to the system, a page fault per 4 KiB on first touch. With the read one piece ahead, two arrays circulate;
    /// only arrays of the exact length are reused (operations may assume Data holds exactly the piece), and nothing
    /// outlives the run.
    /// </summary>
    private sealed class InputBuffers
    {
        private const int Kept = 2;
        private readonly Stack<float[]> _free = new();

        public float[] Rent(long length)
        {
            lock (_free)
            {
                if (_free.TryPeek(out var array) && array.LongLength == length) return _free.Pop();
            }
            return GC.AllocateUninitializedArray<float>(checked((int)length));
        }

        public void Return(float[] array)
        {
            lock (_free)
            {
                if (_free.Count < Kept) _free.Push(array);
            }
        }
    }

    /// <summary>A float array's bytes as <see cref="Memory{T}"/>, so that output chunks can be slices of a block.</summary>
    private sealed class FloatBytes(float[] values) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }

        public override void Unpin()
        {
            // The handle that Pin returned frees its GCHandle when disposed: nothing is left to undo here.
        }

        protected override void Dispose(bool disposing)
        {
            // The array belongs to the GC: nothing to release.
        }
    }

    /// <summary>
    /// The operations of a plan streaming over the time chunks of one channel block: each chunk goes through every
    /// stream in turn, and what comes out is written into the block's C-order output at the next free column.
    /// </summary>
    private sealed class OperationChain
    {
        private readonly IOperationStream[] _streams;
        private readonly Block _output;
        private long _columns;

        /// <param name="chainStreams">The backend's chain streams of earlier blocks of the run, by first operation and rows: restarted, not opened anew.</param>
        public OperationChain(ReductionPlan plan, int rows, long firstChannel, IBackend backend, Dictionary<(int Operation, int Rows), ISosChainStream> chainStreams)
        {
            var window = plan.Input with { Shape = [rows, plan.Input.Shape[1]], Coords = [plan.Input.Coords[0].Slice(firstChannel, rows), plan.Input.Coords[1]] };
            var operations = plan.Operations;
            var streams = new List<IOperationStream>();
            for (int i = 0; i < operations.Count;)
            {
                // Consecutive SOS cascades stream as one chain where the backend has such a stream (see SosRun).
                var (fusedLayout, stages) = SosRun(operations, i, window);
                if (stages.Count > 0 && ChainStream(i, stages) is { } fused)
                {
                    streams.Add(new FusedSosStream(fusedLayout, fused));
                    (window, i) = (fusedLayout, i + stages.Count);
                    continue;
                }
                streams.Add(((ITimeStreamable)operations[i]).Open(window, backend));
                window = operations[i++].Plan(window);
            }
            _streams = [.. streams];
            _output = new Block(window, new float[checked(window.ElementCount)]);

            ISosChainStream? ChainStream(int operation, List<SosStage> stages)
            {
                if (chainStreams.TryGetValue((operation, rows), out var earlier))
                {
                    earlier.Restart();
                    return earlier;
                }
                var opened = backend.Filters.OpenSosChainStream(rows, stages);
                if (opened is not null) chainStreams[(operation, rows)] = opened;
                return opened;
            }
        }

        public void Push(Block chunk, CancellationToken cancellationToken) => Through(0, chunk, cancellationToken);

        /// <summary>Ends every stream in order (what one holds back still goes through the later ones) and returns the block's output.</summary>
        public Block Finish(CancellationToken cancellationToken)
        {
            for (int i = 0; i < _streams.Length; i++) Through(i + 1, _streams[i].Finish(), cancellationToken);
            if (_columns != _output.Layout.Shape[1])
                throw new InvalidOperationException($"time-chunked pipeline produced {_columns} samples per channel, planned {_output.Layout.Shape[1]}");
            return _output;
        }

        private void Through(int from, Block chunk, CancellationToken cancellationToken)
        {
            for (int i = from; i < _streams.Length && chunk.Layout.Shape[1] > 0; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                chunk = _streams[i].Push(chunk);
            }
            Append(chunk);
        }

        private void Append(Block chunk)
        {
            int columns = (int)chunk.Layout.Shape[1], rows = _output.Rows, total = _output.Columns;
            if (columns == 0) return;
            if (_columns + columns > total) throw new InvalidOperationException($"time-chunked pipeline produced more than the {total} planned samples per channel");
            for (int r = 0; r < rows; r++) chunk.Values.Slice(r * columns, columns).CopyTo(_output.Values.Slice((int)(r * total + _columns), columns));
            _columns += columns;
        }
    }
}
