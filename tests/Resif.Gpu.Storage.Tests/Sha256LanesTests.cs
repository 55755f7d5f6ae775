using System.Security.Cryptography;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage.Tests;

/// <summary>Sixteen-lane SHA-256 gives .NET's digests for any mix of lengths, offsets and group sizes.</summary>
public class Sha256LanesTests
{
    [Fact]
    public void Digests_EqualDotNets_ForAnyLengthsAndCounts()
    {
        var rng = new Random(20261126);
        var buffer = new byte[300_000];
        rng.NextBytes(buffer);
        // Padding edges (55/56 bytes leave one or two pad blocks), empty messages, chunk-sized ones.
        int[] edges = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 65_536];
        for (int trial = 0; trial < 60; trial++)
        {
            int count = rng.Next(1, 41);
            var messages = new (int Offset, int Length)[count];
            for (int i = 0; i < count; i++)
            {
                int length = rng.Next(4) switch { 0 => edges[rng.Next(edges.Length)], 1 => rng.Next(200), 2 => rng.Next(70_000), _ => rng.Next(5_000) };
                messages[i] = (rng.Next(buffer.Length - length + 1), length);
            }
            var digests = new byte[count * Sha256Lanes.DigestBytes];
            Sha256Lanes.Hash(buffer, messages, digests);
            for (int i = 0; i < count; i++)
                Assert.True(SHA256.HashData(buffer.AsSpan(messages[i].Offset, messages[i].Length)).AsSpan().SequenceEqual(digests.AsSpan(i * 32, 32)),
                    $"trial {trial}, message {i} of {count}: [{messages[i].Offset}, +{messages[i].Length}) (accelerated: {Sha256Lanes.IsAccelerated})");
        }
    }

    [Fact]
    public void MessagesOutsideTheBuffer_AreRefused()
    {
        var digests = new byte[32];
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.Hash(new byte[10], [(5, 6)], digests));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.Hash(new byte[10], [(-1, 2)], digests));
        Assert.Throws<ArgumentException>(() => Sha256Lanes.Hash(new byte[10], [(0, 1), (1, 1)], digests));
    }
}
