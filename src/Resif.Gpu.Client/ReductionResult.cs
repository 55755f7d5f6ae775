using System.Runtime.InteropServices;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>A whole reduced tensor: C-order float32 values (complex64 interleaved as re, im) with its header and trailer.</summary>
public sealed record ReductionResult(V1.ResultHeader Header, float[] Data, V1.ResultTrailer Trailer)
{
    public long[] Shape => [.. Header.Shape];

    public static async Task<ReductionResult> CollectAsync(IAsyncEnumerable<V1.ReduceResponse> responses, IProgress<V1.Progress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        float[] data = [];
        var (header, trailer) = await ReductionStream.ReadAsync(responses,
            header =>
            {
                if (header.TotalBytes % sizeof(float) != 0) throw new ResultIntegrityException($"total_bytes {header.TotalBytes} is not whole float32 values");
                data = new float[checked(header.TotalBytes / sizeof(float))];
            },
            (offset, bytes) => bytes.Span.CopyTo(MemoryMarshal.AsBytes(data.AsSpan())[checked((int)offset)..]),
            progress, cancellationToken).ConfigureAwait(false);
        return new ReductionResult(header, data, trailer);
    }
}
