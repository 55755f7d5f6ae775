using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// Writes a whole [channel, time] array into an embedded store in time blocks (bounded memory), under a temporary
/// name first and renamed at the end, so an interrupted ingest never leaves a half-written array under its real name.
/// </summary>
internal static class ArrayWriting
{
    /// <summary>Input bytes per appended block; blocks are whole time tiles so every fragment is tile-aligned.</summary>
    private const long BlockBytes = 32L << 20;

    public delegate void BlockFiller(long sampleStart, int sampleCount, float[] destination);

    public static void Write(ArrayStore store, string name, long channels, long samples, ArrayCoordinates coordinates,
        IReadOnlyDictionary<string, string> metadata, BlockFiller fill, TextWriter log, CancellationToken cancellationToken)
    {
        if (!ArrayStore.IsValidName(name)) throw new Core.InvalidRequestException("name", $"'{name}' is not a valid array name ([A-Za-z0-9._-], up to 128 characters)");
        if (store.List().Contains(name)) throw new Core.InvalidRequestException("name", $"array '{name}' already exists in {store.Root}");
        string staging = $"incomplete-{Guid.NewGuid():N}";
        store.Create(staging, channels, 0, coordinates, metadata);
        try
        {
            long tileSamples = ArrayStore.TimeTileExtent;
            long blockSamples = Math.Max(1, BlockBytes / (channels * sizeof(float)) / tileSamples) * tileSamples;
            var buffer = new float[channels * Math.Min(blockSamples, samples)];
            for (long start = 0; start < samples; start += blockSamples)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = (int)Math.Min(blockSamples, samples - start);
                var block = count * channels == buffer.Length ? buffer : new float[count * channels];
                fill(start, count, block);
                store.AppendTimeBlock(staging, block, channels, count);
                log.Write($"\r  wrote {start + count}/{samples} samples");
            }
            log.WriteLine();
            Directory.Move(store.PathOf(staging), Path.Combine(Path.GetDirectoryName(store.PathOf(staging))!, name));
        }
        catch
        {
            if (store.List().Contains(staging)) Directory.Delete(store.PathOf(staging), recursive: true);
            throw;
        }
    }
}
