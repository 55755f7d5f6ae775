using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Storage.Internal;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>Runs only where the system's libzstd loaded (Debian: package libzstd1); elsewhere ZstdSharp is the only codec.</summary>
public sealed class NativeZstdFactAttribute : FactAttribute
{
    public NativeZstdFactAttribute()
    {
        if (NativeZstd.Library is null) Skip = "libzstd (libzstd.so.1) could not be loaded: only the managed ZstdSharp codec is in use";
    }
}

/// <summary>These tests flip the process-wide codec switch: they run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ZstdCodecSwitch), DisableParallelization = true)]
public sealed class ZstdCodecSwitch;

/// <summary>
/// Native libzstd and managed ZstdSharp must be interchangeable: each decodes the other's frames, TileDB's own zstd
/// arrays read the same with either, and a damaged or oversized frame is the same clean error with either.
/// </summary>
[Collection(nameof(ZstdCodecSwitch))]
public class ZstdCodecTests
{
    private static readonly TileDbFilterPipeline Zstd = TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, 3));

    private static byte[] Compressible(int length)
    {
        var values = new float[length / 4];
        var rng = new Random(length);
        for (int i = 0; i < values.Length; i++) values[i] = MathF.Round(MathF.Sin(i * 0.003f) * 100) + (float)rng.NextDouble() * 1e-3f;
        return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        new Random(length + 1).NextBytes(bytes);
        return bytes;
    }

    private static T With<T>(bool managed, Func<T> body)
    {
        bool before = ZstdCodec.UseManaged;
        ZstdCodec.UseManaged = managed;
        try { return body(); }
        finally { ZstdCodec.UseManaged = before; }
    }

    [NativeZstdFact]
    public void NativeAndManaged_DecodeEachOthersFrames()
    {
        foreach (var (length, level) in new[] { (1, 1), (4096, 3), (65536, 3), (65536, 19), (300_000, 1) })
            foreach (var original in new[] { Compressible(Math.Max(4, length)), Random(length) })
            {
                // Native frames, decoded by ZstdSharp itself (not through our codec switch) ...
                var native = new byte[NativeZstd.Library!.CompressBound(original.Length)];
                native = native[..NativeZstd.Library.Compress(original, native, level)];
                Assert.Equal(original, new ZstdSharp.Decompressor().Unwrap(native).ToArray());
                // ... and ZstdSharp frames decoded by libzstd.
                byte[] managed = new ZstdSharp.Compressor(level).Wrap(original).ToArray();
                var decoded = new byte[original.Length];
                Assert.Equal(original.Length, NativeZstd.Library.Decompress(managed, decoded, "test"));
                Assert.Equal(original, decoded);
            }
    }

    [NativeZstdFact]
    public void StoreArrays_WrittenWithOneCodec_ReadBackWithTheOther()
    {
        foreach (bool writeManaged in new[] { false, true })
        {
            var store = new ArrayStore(TestPaths.NewTempDirectory());
            var block = MemoryMarshal.Cast<byte, float>(Compressible(3 * 20000 * 4)).ToArray();
            With(writeManaged, () =>
            {
                store.Create("a", 3, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
                store.AppendTimeBlock("a", block, 3, 20000);
                return 0;
            });
            var read = With(!writeManaged, () =>
            {
                var values = new float[block.Length];
                using var source = store.Open("a");
                source.Read(0, 3, 1, 0, 20000, values);
                return values;
            });
            Assert.Equal(block, read);
        }
    }

    /// <summary>The conformance arrays TileDB wrote with zstd (attribute data; the others use it for their metadata tiles).</summary>
    [NativeZstdFact]
    public void TileDbWrittenZstdArrays_ReadTheSameWithNativeAndManaged()
    {
        foreach (bool managed in new[] { false, true })
        {
            var vectors = With(managed, () => TileDbArray.Open(TestPaths.ConformanceFile("tiledb", "bc0100-flat-float32-vectors-v22"))
                .ReadDense("values", [DimensionRange.Inclusive(0, 127), DimensionRange.Inclusive(0, 99)]));
            ConformanceTests.AssertMatrixMatchesVectors(vectors, ConformanceTests.ReadFvecs("siftmicro_base.fvecs"), 100);
            var ids = With(managed, () => TileDbArray.Open(TestPaths.ConformanceFile("tiledb", "bc0100-flat-float32-ids-v22"))
                .ReadDense("values", [DimensionRange.Inclusive(0, 99)]));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (ulong)i), (ulong[])ids.Values);
        }
    }

    /// <summary>A one-chunk zstd tile whose header declares <paramref name="declared"/> bytes.</summary>
    private static FilteredTile ZstdTile(byte[] frame, int declared)
    {
        var tile = new byte[8 + 12 + 16 + frame.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(tile, 1);
        int at = 8;
        foreach (uint field in new[] { (uint)declared, (uint)frame.Length, 16u, 0u, 1u, (uint)declared, (uint)frame.Length })
        {
            BinaryPrimitives.WriteUInt32LittleEndian(tile.AsSpan(at), field);
            at += 4;
        }
        frame.CopyTo(tile, at);
        return new FilteredTile(tile, "damaged.tdb");
    }

    [NativeZstdFact]
    public void WrittenFrames_CarryTheirContentChecksum_Native() => WrittenFramesCarryTheirContentChecksum(managed: false);

    [Fact]
    public void WrittenFrames_CarryTheirContentChecksum_Managed() => WrittenFramesCarryTheirContentChecksum(managed: true);

    /// <summary>
    /// Every frame we write declares zstd's content checksum (RFC 8878: bit 2 of the frame header descriptor, 4 bytes
    /// of XXH64 after the last block), and a decoder that checks it refuses the frame when only those 4 bytes change:
    /// the data decodes intact, so nothing but the checksum can catch that.
    /// </summary>
    private static void WrittenFramesCarryTheirContentChecksum(bool managed)
    {
        foreach (var original in new[] { Compressible(65536), Random(65536) })
            foreach (int level in new[] { 1, 3, 19 })
            {
                byte[] frame = With(managed, () =>
                {
                    var buffer = new byte[ZstdCodec.CompressBound(original.Length)];
                    return buffer[..ZstdCodec.Compress(original, buffer, level)];
                });
                Assert.Equal(0xFD2FB528u, BinaryPrimitives.ReadUInt32LittleEndian(frame));
                Assert.True((frame[4] & 0b100) != 0, $"level {level}: the frame header does not declare a content checksum");
                foreach (bool decodeManaged in new[] { false, true })
                {
                    if (!decodeManaged && NativeZstd.Library is null) continue;
                    With(decodeManaged, () =>
                    {
                        Assert.Equal(original, ZstdTile(frame, original.Length).Decode(Zstd, TileDbDatatype.Float32, 0, original.Length));
                        byte[] misSummed = (byte[])frame.Clone();
                        misSummed[^2] ^= 0x01;
                        Assert.Throws<DataCorruptionException>(() => ZstdTile(misSummed, original.Length).Decode(Zstd, TileDbDatatype.Float32, 0, original.Length));
                        return 0;
                    });
                }
            }
    }

    [Fact]
    public void TheDefaultStore_RefusesAChunkWhoseContentChecksumDiffers()
    {
        string root = TestPaths.NewTempDirectory();
        var store = new ArrayStore(root);
        const int channels = 2, samples = 2 * (int)ArrayStore.TimeTileExtent; // whole tiles: no fill values to compress
        // Random bits: zstd stores them as raw blocks, where a flipped byte would decode silently without the checksum.
        var block = MemoryMarshal.Cast<byte, float>(Random(channels * samples * 4)).ToArray();
        store.Create("a", channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
        store.AppendTimeBlock("a", block, channels, samples);
        Assert.Equal([TileDbFilterType.ByteShuffle, TileDbFilterType.Zstd], DataFilterTypes(root));
        // The data file ends with the last chunk's frame, whose last 4 bytes are its content checksum.
        string file = Directory.GetFiles(Path.Combine(root, "arrays", "a"), "a0.tdb", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^5] ^= 0x40; // the frame's last data byte
        File.WriteAllBytes(file, bytes);
        var values = new float[block.Length];
        // Skipping checksum filters does not skip zstd's own check.
        using var damaged = new ArrayStore(root) { SkipChecksumValidation = true }.Open("a");
        Assert.Throws<DataCorruptionException>(() => damaged.Read(0, channels, 1, 0, samples, values));
    }

    private static TileDbFilterType[] DataFilterTypes(string root) =>
        TileDbArray.Open(Path.Combine(root, "arrays", "a")).Schema.Attributes.Single().Filters.Filters.Select(f => f.Type).ToArray();

    [NativeZstdFact]
    public void DamagedOrOversizedFrames_AreACleanStorageError_Native() => DamagedOrOversizedFramesAreACleanStorageError(managed: false);

    [Fact]
    public void DamagedOrOversizedFrames_AreACleanStorageError_Managed() => DamagedOrOversizedFramesAreACleanStorageError(managed: true);

    private static void DamagedOrOversizedFramesAreACleanStorageError(bool managed)
    {
        byte[] original = Compressible(65536);
        byte[] frame = new ZstdSharp.Compressor(3).Wrap(original).ToArray();
        With(managed, () =>
        {
            Assert.Equal(original, ZstdTile(frame, original.Length).Decode(Zstd, TileDbDatatype.Float32, 0, original.Length));
            // A frame that holds more than its chunk header declares must not write past the destination.
            Assert.Throws<DataCorruptionException>(() => ZstdTile(frame, original.Length - 4).Decode(Zstd, TileDbDatatype.Float32, 0, original.Length - 4));
            // Truncated frames and flipped bytes: a clean error, or (a flip in a field zstd does not check) the right length.
            var rng = new Random(5);
            for (int trial = 0; trial < 200; trial++)
            {
                byte[] damaged = trial % 4 == 0 ? frame[..rng.Next(frame.Length)] : (byte[])frame.Clone();
                if (trial % 4 != 0) damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8));
                var e = Record.Exception(() => ZstdTile(damaged, original.Length).Decode(Zstd, TileDbDatatype.Float32, 0, original.Length));
                Assert.True(e is null or DataCorruptionException, $"trial {trial}: {e}");
            }
            return 0;
        });
    }
}

/// <summary>
/// <see cref="ArrayStore.SkipChecksumValidation"/>: by default a damaged stored SHA-256 is refused; with the skip the
/// chunk is read without checking it (for file systems that checksum every block themselves).
/// </summary>
public class ChecksumSkipTests
{
    [Fact]
    public void FlippedHashByte_IsRefusedByDefault_AndReadWithTheSkip()
    {
        string root = TestPaths.NewTempDirectory();
        var store = new ArrayStore(root);
        const int channels = 2, samples = 30000;
        var block = Enumerable.Range(0, channels * samples).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        using (var session = store.CreateStaged(channels, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1),
            dataFilters: ArrayStore.ParseDataFilters("zstd+sha256")))
        {
            session.Append(block, channels, samples);
            session.Publish("a");
        }
        string file = Directory.GetFiles(Path.Combine(root, "arrays", "a"), "a0.tdb", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(file);
        // First chunk of the first tile: [u64 chunk count][u32 original, filtered, metadata length], then the SHA-256
        // filter's metadata [u32 #metadata sums = 1][u32 #data sums = 1][u64 length, hash of the zstd metadata][u64 length, hash of the data].
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
        int dataHash = 8 + 12 + 8 + (8 + 32) + 8;
        bytes[dataHash + 5] ^= 0x10;
        File.WriteAllBytes(file, bytes);

        float[] Read(ArrayStore s)
        {
            var values = new float[block.Length];
            using var source = s.Open("a");
            source.Read(0, channels, 1, 0, samples, values);
            return values;
        }
        var e = Assert.Throws<DataCorruptionException>(() => Read(new ArrayStore(root)));
        Assert.Contains("ChecksumSha256 mismatch on data bytes", e.Message);
        Assert.Equal(block, Read(new ArrayStore(root) { SkipChecksumValidation = true }));
    }
}
