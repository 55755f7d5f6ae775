using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Resif.Gpu.Core.Pipeline;

/// <summary>What the executor produces, in order: one header, data chunks (with progress), one trailer.</summary>
public abstract record ReductionPart;

public sealed record ResultHeader(ReductionPlan Plan, string Backend, string Device) : ReductionPart;

/// <summary>Bytes of the C-order little-endian output tensor starting at <see cref="Offset"/>.</summary>
public sealed record ResultChunk(long Offset, ReadOnlyMemory<byte> Data) : ReductionPart;

public sealed record ResultProgress(double Fraction, long BytesProduced) : ReductionPart;

public sealed record ResultTrailer(long TotalBytes, long InputBytes, TimeSpan Elapsed, string Sha256) : ReductionPart;

/// <summary>
/// Runs a plan block by block (channel blocks over the whole time window, so every operation sees complete
/// channels), reading the next block while the current one is computed, and emits the output in chunks of
/// at most <see cref="ChunkBytes"/>. The embedded CLI and the gRPC server both consume this, so they give the same bytes.
/// </summary>
public static class ReductionExecutor
{
    public const int ChunkBytes = 1 << 20;

    public static async IAsyncEnumerable<ReductionPart> RunAsync(ReductionPlan plan, IArraySource source, IBackend backend,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the wire format is little-endian");
        var clock = Stopwatch.StartNew();
        yield return new ResultHeader(plan, backend.Name, backend.Device);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var selection = plan.Selection;
        long blocks = (selection.ChannelCount + plan.ChannelsPerBlock - 1) / plan.ChannelsPerBlock;
        long offset = 0, inputBytes = 0;

        Task<Block>? next = Task.Run(() => ReadBlock(plan, source, 0), cancellationToken);
        try
        {
            for (long b = 0; b < blocks; b++)
            {
                var input = await next!.ConfigureAwait(false);
                long following = b + 1; // a copy: the lambda must not see the loop variable move on
                next = following < blocks ? Task.Run(() => ReadBlock(plan, source, following), cancellationToken) : null;
                inputBytes += input.Layout.ByteCount;
                var output = await Task.Run(() => RunOperations(plan, input, backend, cancellationToken), cancellationToken).ConfigureAwait(false);

                long outputBytes = output.Layout.ByteCount;
                for (long start = 0; start < outputBytes; start += ChunkBytes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = CopyBytes(output, start, (int)Math.Min(ChunkBytes, outputBytes - start));
                    hash.AppendData(chunk);
                    yield return new ResultChunk(offset, chunk);
                    offset += chunk.Length;
                }
                yield return new ResultProgress((double)(b + 1) / blocks, offset);
            }
        }
        finally
        {
            // Never leave a read running on a source the caller is about to dispose.
            if (next is not null) await next.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        if (offset != plan.Output.ByteCount)
            throw new InvalidOperationException($"pipeline produced {offset} bytes, planned {plan.Output.ByteCount}");
        yield return new ResultTrailer(offset, inputBytes, clock.Elapsed, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static byte[] CopyBytes(Block block, long start, int length) =>
        MemoryMarshal.AsBytes(block.Values).Slice((int)start, length).ToArray();

    private static Block ReadBlock(ReductionPlan plan, IArraySource source, long blockIndex)
    {
        var s = plan.Selection;
        long first = blockIndex * plan.ChannelsPerBlock;
        long count = Math.Min(plan.ChannelsPerBlock, s.ChannelCount - first);
        var layout = plan.Input with
        {
            Shape = [count, s.TimeCount],
            Coords = [plan.Input.Coords[0].Slice(first, count), plan.Input.Coords[1]],
        };
        var data = new float[checked(count * s.TimeCount)];
        source.Read(s.ChannelStart + first * s.ChannelStep, count, s.ChannelStep, s.TimeStart, s.TimeCount, data);
        return new Block(layout, data);
    }

    private static Block RunOperations(ReductionPlan plan, Block block, IBackend backend, CancellationToken cancellationToken)
    {
        // A device backend may chain the whole pipeline in its memory: one upload and one download per block.
        if (backend is IResidentPipelines device && device.TryRunResident(plan.Operations, block, cancellationToken) is { } resident) return resident;
        foreach (var operation in plan.Operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var expected = operation.Plan(block.Layout);
            block = operation.Run(block, backend);
            if (!block.Layout.Shape.SequenceEqual(expected.Shape))
            {
                throw new InvalidOperationException(
                    $"{operation.Name} produced shape ({string.Join(", ", block.Layout.Shape)}), planned ({string.Join(", ", expected.Shape)})");
            }
        }
        return block;
    }
}
