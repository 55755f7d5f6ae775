using System.Security.Cryptography;
using Google.Protobuf;
using Resif.Gpu.Client;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Functional.Tests;

/// <summary>The client must refuse any stream that does not add up, rather than hand back wrong numbers.</summary>
public sealed class ClientStreamTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static V1.ReduceResponse Header(long totalBytes) => new()
    {
        Header = new V1.ResultHeader { Array = "a", Dims = { "channel", "time" }, Shape = { 2, totalBytes / 8 }, Dtype = V1.DataType.Float32, TotalBytes = totalBytes },
    };

    private static V1.ReduceResponse Chunk(long offset, ReadOnlySpan<byte> data) => new() { Chunk = new V1.DataChunk { Offset = offset, Data = ByteString.CopyFrom(data) } };

    private static V1.ReduceResponse Trailer(long total, byte[] data) => new()
    {
        Trailer = new V1.ResultTrailer { TotalBytes = total, Sha256 = Convert.ToHexStringLower(SHA256.HashData(data)) },
    };

    private static async IAsyncEnumerable<V1.ReduceResponse> Stream(params V1.ReduceResponse[] responses)
    {
        foreach (var r in responses)
        {
            await Task.Yield();
            yield return r;
        }
    }

    [Fact]
    public async Task A_complete_stream_is_assembled_in_order()
    {
        var result = await ReductionResult.CollectAsync(Stream(Header(32), Chunk(0, Payload.AsSpan(0, 20)), Chunk(20, Payload.AsSpan(20)), Trailer(32, Payload)));
        Assert.Equal([2L, 4L], result.Shape);
        Assert.Equal(BitConverter.ToSingle(Payload, 4), result.Data[1]);
    }

    [Fact]
    public async Task Gaps_wrong_sizes_bad_checksums_and_truncation_are_refused()
    {
        var bad = new[]
        {
            Stream(Header(32), Chunk(0, Payload.AsSpan(0, 20)), Chunk(24, Payload.AsSpan(24)), Trailer(32, Payload)),
            Stream(Header(32), Chunk(0, Payload), Trailer(32, [.. Payload.Reverse()])),
            Stream(Header(32), Chunk(0, Payload.AsSpan(0, 16)), Trailer(32, Payload)),
            Stream(Header(32), Chunk(0, Payload)),
            Stream(Chunk(0, Payload), Trailer(32, Payload)),
            Stream(Header(16), Chunk(0, Payload), Trailer(32, Payload)),
        };
        foreach (var stream in bad) await Assert.ThrowsAsync<ResultIntegrityException>(() => ReductionResult.CollectAsync(stream));
    }
}
