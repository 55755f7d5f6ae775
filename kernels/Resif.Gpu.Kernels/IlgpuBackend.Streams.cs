using System.Diagnostics.CodeAnalysis;
using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Resident pipelines over a sequence of channel blocks, overlapping copies with compute. Each block is cut into
/// pieces of whole channels that fit <see cref="MemoryBudgetBytes"/> (one piece when it fits); pieces go through three
/// stages: upload (staged through a page-locked host buffer, async on a copy-in stream), the chain of steps (kernels on
/// the default stream), download (async on a copy-out stream into a page-locked buffer). While piece n computes, piece
/// n+1 is copied in and piece n−1 copied out. Every piece runs exactly the kernels of <see cref="TryRunResident"/> on
/// its rows, and the steps are per channel (a chain that mixes channels is never cut), so outputs are bit-identical.
/// </summary>
public sealed partial class IlgpuBackend
{
    public IEnumerable<ResidentResult> RunResident(IReadOnlyList<IOperation> operations, IEnumerable<Block> blocks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(blocks);
        return Streamed(operations, blocks, cancellationToken);
    }

    private IEnumerable<ResidentResult> Streamed(IReadOnlyList<IOperation> operations, IEnumerable<Block> blocks, CancellationToken cancellationToken)
    {
        using var pipeline = new ResidentStream(this, operations, blocks, cancellationToken);
        bool more;
        do
        {
            more = pipeline.Advance();
            while (pipeline.TryTakeResult(out ResidentResult? result)) yield return result;
        }
        while (more);
    }

    /// <summary>
    /// Channels of a block per piece under the budget: the chain's own need plus the two copies in flight beside it
    /// (the next piece's input, the previous piece's output). 0 when not even one channel fits, or when the chain mixes
    /// channels and the whole block does not fit.
    /// </summary>
    private int RowsPerPiece(ChainPlan chain, TensorLayout input)
    {
        long rows = input.Shape[0];
        long perRow = chain.BytesPerRow + input.ByteCount / rows + chain.Output.ByteCount / rows;
        long fitting = MemoryBudgetBytes / perRow;
        if (chain.MixesChannels) return fitting >= rows ? (int)rows : 0;
        return (int)Math.Min(rows, fitting);
    }

    /// <summary>
    /// Staging copies on all cores, in pieces of 4 MB: one thread copies ~10 GB/s, slower than a GPU's PCIe copy and
    /// chain of the same piece, so a single-threaded copy would set the streamed pipeline's pace.
    /// </summary>
    private static void CopyInParallel(int count, Action<int, int> copyRange)
    {
        const int Grain = 1 << 20;
        int parts = (count + Grain - 1) / Grain;
        if (parts <= 1)
        {
            copyRange(0, count);
            return;
        }
        Parallel.For(0, parts, part => copyRange(part * Grain, Math.Min(Grain, count - part * Grain)));
    }

    /// <summary>
    /// Page-locked staging buffers kept between streamed requests, so that page-locking (costly: the driver pins and
    /// maps every page) is paid once rather than per request; at most <see cref="StagingPoolBytes"/> kept, smallest
    /// released first. Used under the device lock.
    /// </summary>
    private readonly List<PageLockedArray1D<float>> stagingPool = [];

    private const long StagingPoolBytes = 1L << 30;

    /// <summary>The smallest pooled buffer that holds <paramref name="count"/> values, else a new one; under the device lock.</summary>
    private PageLockedArray1D<float> RentStaging(int count)
    {
        PageLockedArray1D<float>? best = null;
        foreach (PageLockedArray1D<float> buffer in stagingPool)
        {
            if (buffer.Length >= Math.Max(1, count) && (best is null || buffer.Length < best.Length)) best = buffer;
        }
        if (best is null) return accelerator.AllocatePageLocked1D<float>(Math.Max(1, count), true);
        stagingPool.Remove(best);
        return best;
    }

    /// <summary>Keeps <paramref name="buffer"/> for a later request, releasing the smallest ones over the cap; under the device lock.</summary>
    private void ReturnStaging(PageLockedArray1D<float>? buffer)
    {
        if (buffer is null) return;
        stagingPool.Add(buffer);
        stagingPool.Sort((a, b) => b.Length.CompareTo(a.Length));
        long kept = 0;
        for (int i = 0; i < stagingPool.Count; i++)
        {
            kept += stagingPool[i].Length * sizeof(float);
            if (kept <= StagingPoolBytes) continue;
            kept -= stagingPool[i].Length * sizeof(float);
            stagingPool[i].Dispose();
            stagingPool.RemoveAt(i--);
        }
    }

    private void DisposeStagingPool()
    {
        foreach (PageLockedArray1D<float> buffer in stagingPool) buffer.Dispose();
        stagingPool.Clear();
    }

    /// <summary>
    /// Takes the accelerator lock and binds it without the disabled and fault-injection checks of
    /// <see cref="EnterDevice"/>: releasing buffers must happen even after the device failed.
    /// </summary>
    private Lock.Scope EnterDeviceForCleanup()
    {
        Lock.Scope scope = gate.EnterScope();
        try
        {
            accelerator.Bind();
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>A pulled block: declined (no chain) or waiting for its pieces to come back.</summary>
    private sealed class BlockWork(Block input, ChainPlan? chain)
    {
        public Block Input { get; } = input;

        /// <summary>Null once declined: the caller runs the operations one by one.</summary>
        public ChainPlan? Chain { get; set; } = chain;

        public float[]? Output { get; set; }

        public int PiecesLeft { get; set; }

        public bool Ready => Chain is null || PiecesLeft == 0;

        public int InputColumns => Input.Columns;

        public int OutputColumns => (int)(Chain!.Output.ElementCount / Input.Rows);
    }

    /// <summary>Rows [FirstRow, FirstRow + Rows) of a block; <see cref="Index"/> picks its page-locked slots.</summary>
    private sealed class Piece(BlockWork work, int firstRow, int rows, long index)
    {
        public BlockWork Work { get; } = work;

        public int FirstRow { get; } = firstRow;

        public int Rows { get; } = rows;

        public int Slot { get; } = (int)(index % 2);

        public DeviceTensor? Tensor { get; set; }
    }

    /// <summary>One <see cref="RunResident"/> enumeration: its streams, page-locked slots and pieces in flight.</summary>
    private sealed class ResidentStream(IlgpuBackend backend, IReadOnlyList<IOperation> operations, IEnumerable<Block> blocks, CancellationToken cancellationToken)
        : IDisposable
    {
        private readonly IEnumerator<Block> source = blocks.GetEnumerator();
        private readonly Queue<BlockWork> unfinished = new(); // pulled and not yet handed back, in order
        private readonly Queue<Piece> waiting = new(); // pieces of pulled blocks not yet uploaded
        private readonly PageLockedArray1D<float>?[] inputSlots = new PageLockedArray1D<float>?[2];
        private readonly PageLockedArray1D<float>?[] outputSlots = new PageLockedArray1D<float>?[2];
        private AcceleratorStream? copyIn, copyOut;
        private Piece? uploaded, computing, downloading;
        private long pieces;
        private bool sourceDone, failed, pulling;

        /// <summary>One turn of the pipeline; false once every block has been pulled and every piece has come back.</summary>
        public bool Advance()
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (failed) return PullBlock();
            try
            {
                computing = uploaded ?? StartUpload(TakePiece());
                uploaded = null;
                if (computing is null)
                {
                    FinishDownload(); // the block before a declined one, or the last block, completes
                    return !sourceDone;
                }
                WaitForUpload();
                uploaded = StartUpload(TakePiece()); // its copy overlaps this piece's kernels
                Compute(computing);
                FinishDownload(); // the previous piece's copy overlapped them too
                StartDownload(computing);
                computing = null;
                return true;
            }
            catch (Exception e) when (!pulling && backend.FallsBack(ResidentPipelineKernel, e)) // a failed read is the caller's, not the device's
            {
                Fail();
                return true;
            }
        }

        public bool TryTakeResult([NotNullWhen(true)] out ResidentResult? result)
        {
            result = null;
            if (!unfinished.TryPeek(out BlockWork? work) || !work.Ready) return false;
            unfinished.Dequeue();
            result = new ResidentResult(work.Input, work.Chain is { } chain ? new Block(chain.Output, work.Output!) : null);
            return true;
        }

        /// <summary>The next piece to upload, pulling a block when none waits; null when that block was declined or none is left.</summary>
        private Piece? TakePiece() => waiting.Count > 0 || PullBlock() ? waiting.TryDequeue(out Piece? piece) ? piece : null : null;

        private bool PullBlock()
        {
            if (sourceDone) return false;
            pulling = true; // stays set if the source throws
            bool pulled = source.MoveNext();
            pulling = false;
            if (!pulled)
            {
                sourceDone = true;
                return false;
            }
            Block block = source.Current;
            ChainPlan? chain = failed || backend.DisabledReason is not null ? null : PlanChain(operations, block.Layout);
            int rowsPerPiece = chain is null ? 0 : backend.RowsPerPiece(chain, block.Layout);
            var work = new BlockWork(block, rowsPerPiece > 0 ? chain : null);
            unfinished.Enqueue(work);
            for (int first = 0; work.Chain is not null && first < block.Rows; first += rowsPerPiece)
            {
                waiting.Enqueue(new Piece(work, first, Math.Min(rowsPerPiece, block.Rows - first), pieces++));
                work.PiecesLeft++;
            }
            return true;
        }

        /// <summary>Stages the piece's rows in page-locked memory and queues their copy to the device.</summary>
        private Piece? StartUpload(Piece? piece)
        {
            if (piece is null) return null;
            int columns = piece.Work.InputColumns, count = piece.Rows * columns;
            using (backend.EnterDevice())
            {
                PageLockedArray1D<float> slot = Slot(inputSlots, piece.Slot, count);
                float[] source = piece.Work.Input.Data;
                int offset = piece.FirstRow * columns;
                CopyInParallel(count, (start, length) => source.AsSpan(offset + start, length).CopyTo(slot.Span.Slice(start, length)));
                copyIn ??= backend.accelerator.CreateStream();
                DeviceTensor tensor = backend.Allocate(piece.Rows, columns);
                try
                {
                    tensor.View.SubView(0, count).CopyFrom(copyIn, slot.ArrayView.SubView(0, count));
                }
                catch
                {
                    tensor.Dispose();
                    throw;
                }
                piece.Tensor = tensor;
                Interlocked.Increment(ref backend.uploads);
            }
            return piece;
        }

        private void WaitForUpload()
        {
            using (backend.EnterDevice()) copyIn!.Synchronize();
        }

        /// <summary>The chain on the default stream, waited for so the copy-out stream reads finished values.</summary>
        private void Compute(Piece piece)
        {
            DeviceTensor input = piece.Tensor!;
            piece.Tensor = null; // RunChain owns it now, and releases it on failure
            piece.Tensor = backend.RunChain(piece.Work.Chain!.Steps, input, cancellationToken);
            using (backend.EnterDevice()) backend.accelerator.DefaultStream.Synchronize();
        }

        private void StartDownload(Piece piece)
        {
            int count = piece.Rows * piece.Work.OutputColumns;
            using (backend.EnterDevice())
            {
                PageLockedArray1D<float> slot = Slot(outputSlots, piece.Slot, count);
                copyOut ??= backend.accelerator.CreateStream();
                if (count > 0) piece.Tensor!.View.SubView(0, count).CopyTo(copyOut, slot.ArrayView.SubView(0, count));
            }
            downloading = piece;
        }

        /// <summary>Waits for the piece being copied out, moves its rows into the block's output and releases it.</summary>
        private void FinishDownload()
        {
            if (downloading is not { } piece) return;
            using (backend.EnterDevice())
            {
                copyOut!.Synchronize();
                Interlocked.Increment(ref backend.downloads);
            }
            BlockWork work = piece.Work;
            int columns = work.OutputColumns, count = piece.Rows * columns;
            work.Output ??= GC.AllocateUninitializedArray<float>((int)work.Chain!.Output.ElementCount); // every piece fills its rows
            PageLockedArray1D<float> slot = outputSlots[piece.Slot]!;
            float[] output = work.Output;
            int offset = piece.FirstRow * columns;
            CopyInParallel(count, (start, length) => slot.Span.Slice(start, length).CopyTo(output.AsSpan(offset + start, length)));
            Release(piece);
            downloading = null;
            work.PiecesLeft--;
        }

        /// <summary>A page-locked buffer of at least <paramref name="count"/> values (swapped when a bigger piece comes); under the device lock.</summary>
        private PageLockedArray1D<float> Slot(PageLockedArray1D<float>?[] slots, int index, int count)
        {
            if (slots[index] is { } slot && slot.Length >= Math.Max(1, count)) return slot;
            backend.ReturnStaging(slots[index]);
            slots[index] = null; // a failed allocation must not leave a returned buffer behind
            return slots[index] = backend.RentStaging(count);
        }

        /// <summary>
        /// After a device failure: every block not complete is declined (its input is intact: the device only read it),
        /// and so is every later block, for the caller to run op by op.
        /// </summary>
        private void Fail()
        {
            failed = true;
            ReleaseInFlight();
            waiting.Clear();
            foreach (BlockWork work in unfinished.Where(w => !w.Ready))
            {
                work.Chain = null;
                work.Output = null;
            }
        }

        private void ReleaseInFlight()
        {
            // Queued copies may still read or write these buffers: let both streams drain before anything is freed.
            using (backend.EnterDeviceForCleanup())
            {
                try
                {
                    copyIn?.Synchronize();
                    copyOut?.Synchronize();
                }
                catch (Exception e) when (e is AcceleratorException or InvalidOperationException)
                {
                    // A failed device reports its failure again here; the buffers are released all the same.
                }
            }
            foreach (Piece? piece in new[] { uploaded, computing, downloading })
                if (piece is not null) Release(piece);
            uploaded = computing = downloading = null;
        }

        private void Release(Piece piece)
        {
            using (backend.EnterDeviceForCleanup()) piece.Tensor?.Dispose();
            piece.Tensor = null;
        }

        public void Dispose()
        {
            ReleaseInFlight();
            using (backend.EnterDeviceForCleanup())
            {
                foreach (PageLockedArray1D<float>? slot in inputSlots.Concat(outputSlots))
                {
                    if (failed) slot?.Dispose();
                    else backend.ReturnStaging(slot);
                }
                copyIn?.Dispose();
                copyOut?.Dispose();
            }
            source.Dispose();
        }
    }
}
