using Resif.Gpu.Server.Internal;
using ZstdSharp;

namespace Resif.Gpu.Functional.Tests;

/// <summary>Which chunks of a zstd stream the server compresses: those zstd shrinks by a tenth, tried less and less often after misses.</summary>
public sealed class ChunkCompressionTests
{
    private const int ChunkBytes = 64 << 10;

    private static readonly byte[] Noise = RandomBytes();
    private static readonly byte[] Zeros = new byte[ChunkBytes];

    private static byte[] RandomBytes()
    {
        var bytes = new byte[ChunkBytes];
        new Random(5).NextBytes(bytes);
        return bytes;
    }

    // A compressible chunk at `position` after nothing but noise comes back compressed exactly when it is tried.
    [Fact]
    public void After_misses_the_tries_come_further_and_further_apart()
    {
        int[] tried = [0, 2, 5, 10, 19, 36, 69, 102];
        for (int position = 0; position < 110; position++)
        {
            var compression = new ChunkCompression(1);
            for (int i = 0; i < position; i++) Assert.Null(compression.TryCompress(Noise));
            bool compressed = compression.TryCompress(Zeros) is not null;
            Assert.True(compressed == tried.Contains(position), $"chunk {position}: compressed {compressed}");
        }
    }

    [Fact]
    public void A_chunk_that_pays_resets_the_interval_and_its_frame_decodes_to_it()
    {
        var compression = new ChunkCompression(1);
        Assert.Null(compression.TryCompress(Noise));
        Assert.Null(compression.TryCompress(Zeros)); // skipped after the miss
        var frame = compression.TryCompress(Zeros);
        Assert.NotNull(frame);
        Assert.True(frame.Length * 10 < ChunkBytes);
        using var decompressor = new Decompressor();
        Assert.Equal(Zeros, decompressor.Unwrap(frame).ToArray());
        Assert.NotNull(compression.TryCompress(Zeros)); // tried again at once
    }

    // A chunk that zstd shrinks by less than a tenth goes as it is: half noise, half zeros saves about half.
    [Fact]
    public void Only_a_saving_of_a_tenth_counts()
    {
        var mostlyNoise = (byte[])Noise.Clone();
        Array.Clear(mostlyNoise, 0, ChunkBytes / 20); // zstd saves ~5 %
        Assert.Null(new ChunkCompression(1).TryCompress(mostlyNoise));
        var halfNoise = (byte[])Noise.Clone();
        Array.Clear(halfNoise, 0, ChunkBytes / 2);
        Assert.NotNull(new ChunkCompression(1).TryCompress(halfNoise));
    }
}
