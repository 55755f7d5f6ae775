using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Bench;

/// <summary>
/// The store's chunk checksums: the SHA-256 of sixteen ~60 KB chunks (a 1 MiB tile of zstd frames), sixteen lanes at a
/// time (<see cref="Sha256Lanes"/>, AVX-512) against one chunk at a time through .NET's SHA256 (SHA-NI where present).
/// </summary>
public class ChecksumBenchmarks
{
    private const int Chunks = 16, ChunkBytes = 60_000;
    private readonly byte[] _tile = new byte[Chunks * ChunkBytes];
    private readonly (int, int)[] _messages = Enumerable.Range(0, Chunks).Select(i => (i * ChunkBytes, ChunkBytes - 37 * i)).ToArray();
    private readonly byte[] _digests = new byte[Chunks * Sha256Lanes.DigestBytes];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(_tile);

    [Benchmark(Baseline = true, Description = "SHA256.HashData, one chunk at a time")]
    public void OneAtATime()
    {
        for (int i = 0; i < Chunks; i++)
            SHA256.HashData(_tile.AsSpan(_messages[i].Item1, _messages[i].Item2), _digests.AsSpan(i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes));
    }

    [Benchmark(Description = "Sha256Lanes, sixteen chunks at once")]
    public void SixteenLanes() => Sha256Lanes.Hash(_tile, _messages, _digests);
}
