using System.Security.Cryptography;
using ZstdSharp;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>The stream broke its contract (missing header, gap in offsets, wrong size or checksum): the data cannot be trusted.</summary>
public sealed class ResultIntegrityException(string message) : Exception(message);

/// <summary>
/// Reads a reduction stream in order and checks it: one header first, chunks at contiguous offsets, a trailer whose
/// size and SHA-256 match what arrived. zstd-compressed chunks are decompressed here (in a zstd stream, a chunk with
/// uncompressed_size 0 came as it is), so callers receive the header and each chunk's tensor bytes as they come.
/// </summary>
public static class ReductionStream
{
    public static async Task<(V1.ResultHeader Header, V1.ResultTrailer Trailer)> ReadAsync(IAsyncEnumerable<V1.ReduceResponse> responses,
        Action<V1.ResultHeader> onHeader, Action<long, ReadOnlyMemory<byte>> onChunk, IProgress<V1.Progress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        V1.ResultHeader? header = null;
        long expectedOffset = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Decompressor? decompressor = null;
        try
        {
            await foreach (var response in responses.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                switch (response.PayloadCase)
                {
                    case V1.ReduceResponse.PayloadOneofCase.Header when header is null:
                        header = response.Header;
                        decompressor = header.Compression switch
                        {
                            V1.Compression.None => null,
                            V1.Compression.Zstd => new Decompressor(),
                            _ => throw new ResultIntegrityException($"unknown compression {header.Compression}"),
                        };
                        onHeader(header);
                        break;
                    case V1.ReduceResponse.PayloadOneofCase.Chunk when header is not null:
                        var chunk = response.Chunk;
                        if (chunk.Offset != expectedOffset) throw new ResultIntegrityException($"chunk at offset {chunk.Offset}, expected {expectedOffset}");
                        var data = decompressor is null || chunk.UncompressedSize == 0 ? chunk.Data.Memory : Decompress(decompressor, chunk);
                        if (expectedOffset + data.Length > header.TotalBytes) throw new ResultIntegrityException("more data than the header announced");
                        hash.AppendData(data.Span);
                        onChunk(chunk.Offset, data);
                        expectedOffset += data.Length;
                        break;
                    case V1.ReduceResponse.PayloadOneofCase.Progress when header is not null:
                        progress?.Report(response.Progress);
                        break;
                    case V1.ReduceResponse.PayloadOneofCase.Trailer when header is not null:
                        var trailer = response.Trailer;
                        if (expectedOffset != header.TotalBytes || trailer.TotalBytes != header.TotalBytes)
                            throw new ResultIntegrityException($"received {expectedOffset} bytes, header said {header.TotalBytes}, trailer {trailer.TotalBytes}");
                        string sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                        if (!string.Equals(sha256, trailer.Sha256, StringComparison.OrdinalIgnoreCase))
                            throw new ResultIntegrityException($"SHA-256 mismatch: computed {sha256}, trailer says {trailer.Sha256}");
                        return (header, trailer);
                    default:
                        throw new ResultIntegrityException($"unexpected {response.PayloadCase} message {(header is null ? "before the header" : "")}".TrimEnd());
                }
            }
        }
        finally
        {
            decompressor?.Dispose();
        }
        throw new ResultIntegrityException(header is null ? "the stream ended before the header" : "the stream ended before the trailer");
    }

    private static ReadOnlyMemory<byte> Decompress(Decompressor decompressor, V1.DataChunk chunk)
    {
        if (chunk.UncompressedSize is <= 0 or > int.MaxValue) throw new ResultIntegrityException($"compressed chunk at {chunk.Offset} has no valid uncompressed_size");
        var output = new byte[chunk.UncompressedSize];
        try
        {
            int written = decompressor.Unwrap(chunk.Data.Span, output.AsSpan());
            if (written != output.Length) throw new ResultIntegrityException($"chunk at {chunk.Offset} decompressed to {written} bytes, announced {output.Length}");
        }
        catch (ZstdException e)
        {
            throw new ResultIntegrityException($"chunk at {chunk.Offset} is not valid zstd: {e.Message}");
        }
        return output;
    }
}
