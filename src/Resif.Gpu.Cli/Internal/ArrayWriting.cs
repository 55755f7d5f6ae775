using System.Collections.Concurrent;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// Writes [channel, time] data into an embedded store in time blocks (bounded memory). A new array is written under a
/// temporary name and renamed at the end, so an interrupted ingest never leaves a half-written array under its real
/// name; an append adds fragments after the array's current end.
/// </summary>
internal static class ArrayWriting
{
    /// <summary>Input bytes per appended block; blocks end on time-tile boundaries so fragments stay tile-aligned.</summary>
    private const long BlockBytes = 32L << 20;

    /// <summary>Fills samples [sampleStart, sampleStart + sampleCount) of every channel, C order [channel, time].</summary>
    public delegate void BlockFiller(long sampleStart, int sampleCount, float[] destination);

    /// <summary>Called after each block with the number of samples written so far.</summary>
    public delegate void ProgressReporter(long samplesWritten);

    /// <summary>Creates array <paramref name="name"/>; <paramref name="dataFilters"/> defaults to the store's (<see cref="ArrayStore.DefaultDataFilters"/>).</summary>
    public static void Write(ArrayStore store, string name, long channels, long samples, ArrayCoordinates coordinates,
        IReadOnlyDictionary<string, string> metadata, BlockFiller fill, ProgressReporter? progress, CancellationToken cancellationToken,
        TileDbFilterPipeline? dataFilters = null)
    {
        if (!ArrayStore.IsValidName(name)) throw new Core.InvalidRequestException("name", $"'{name}' is not a valid array name ([A-Za-z0-9._-], up to 128 characters)");
        if (store.List().Contains(name)) throw new Core.InvalidRequestException("name", $"array '{name}' already exists in {store.Root}");
        // The staged array holds its write lock until published: if this process dies, the next write removes it.
        using var staged = store.CreateStaged(channels, coordinates, metadata, dataFilters);
        AppendBlocks(staged.Append, channels, 0, samples, fill, progress, cancellationToken);
        staged.Publish(name);
    }

    /// <summary>
    /// Appends samples [<paramref name="first"/>, <paramref name="end"/>) after the array's current end as new fragments.
    /// If anything fails (a file that cannot be read, Ctrl-C), the fragments this call wrote are removed, so the array
    /// is left as it was before.
    /// </summary>
    public static void Append(ArrayStore store, string name, long channels, long first, long end, BlockFiller fill,
        ProgressReporter? progress, CancellationToken cancellationToken)
    {
        // One lock for the whole append: another ingest cannot interleave its blocks with ours.
        using var session = store.OpenWriteSession(name);
        try
        {
            AppendBlocks(session.Append, channels, first, end, fill, progress, cancellationToken);
        }
        catch
        {
            session.Rollback();
            throw;
        }
    }

    /// <summary>
    /// Appends samples [<paramref name="first"/>, <paramref name="end"/>) of the array's own time axis, where
    /// <paramref name="first"/> is its current end; <paramref name="fill"/> is asked for exactly that range, block by block
    /// in order. Two stages on two threads: the next block is read and decoded while the current one is compressed and
    /// written; the queue between them holds one block, so memory stays at three blocks whatever the input size.
    /// </summary>
    private static void AppendBlocks(Action<float[], long, long> append, long channels, long first, long end, BlockFiller fill,
        ProgressReporter? progress, CancellationToken cancellationToken)
    {
        long tile = ArrayStore.TimeTileExtent;
        long blockSamples = Math.Max(1, BlockBytes / (channels * sizeof(float)) / tile) * tile;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var filled = new BlockingCollection<(long Start, int Count, float[] Block)>(boundedCapacity: 1);
        // Full-size buffers go back to the reader once written; blocks of another size (first and last) are not reused.
        using var free = new BlockingCollection<float[]>();
        int allocated = 0;
        float[] Buffer(int count)
        {
            if (count != blockSamples) return new float[count * channels];
            if (free.TryTake(out var reused)) return reused;
            if (allocated++ < 3) return new float[count * channels];
            return free.Take(stop.Token);
        }

        var reader = Task.Run(() =>
        {
            try
            {
                for (long start = first; start < end;)
                {
                    // Blocks end on time-tile boundaries (an append that starts mid-tile has a shorter first block).
                    long blockEnd = Math.Min(end, (start / tile * tile) + blockSamples);
                    int count = (int)(blockEnd - start);
                    var block = Buffer(count);
                    fill(start, count, block);
                    filled.Add((start, count, block), stop.Token);
                    start = blockEnd;
                }
            }
            finally
            {
                filled.CompleteAdding();
            }
        }, CancellationToken.None);
        try
        {
            foreach (var (start, count, block) in filled.GetConsumingEnumerable(stop.Token))
            {
                append(block, channels, count);
                if (count == blockSamples) free.Add(block);
                progress?.Invoke(start + count - first);
            }
            reader.GetAwaiter().GetResult();
        }
        catch
        {
            // Stop the reader and wait for it, so nothing touches the files or the array once this returns.
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Either the failure rethrown below, or the reader cancelled by it.
            }
            throw;
        }
    }
}
