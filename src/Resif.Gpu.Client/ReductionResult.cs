using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>
/// A whole reduced tensor as C-order float32 values, whatever element type it travelled in: complex64 interleaved as
/// (re, im), float16 widened, int16 multiplied by the header's scale factor. <see cref="Header"/> keeps the wire type.
/// </summary>
public sealed record ReductionResult(V1.ResultHeader Header, float[] Data, V1.ResultTrailer Trailer)
{
    public long[] Shape => [.. Header.Shape];

    public static async Task<ReductionResult> CollectAsync(IAsyncEnumerable<V1.ReduceResponse> responses, IProgress<V1.Progress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        // float32 and complex64 chunks land straight in the result's float array; narrower types are decoded at the end.
        float[] values = [];
        byte[] received = [];
        var (header, trailer) = await ReductionStream.ReadAsync(responses,
            header =>
            {
                if (header.TotalBytes % ElementBytes(header.Dtype) != 0)
                    throw new ResultIntegrityException($"total_bytes {header.TotalBytes} is not whole {header.Dtype} values");
                int total = checked((int)header.TotalBytes);
                if (IsFloat(header.Dtype)) values = new float[total / sizeof(float)];
                else received = new byte[total];
            },
            (offset, bytes) =>
            {
                var target = values.Length > 0 ? MemoryMarshal.AsBytes(values.AsSpan()) : received.AsSpan();
                bytes.Span.CopyTo(target.Slice(checked((int)offset)));
            },
            progress, cancellationToken).ConfigureAwait(false);
        return new ReductionResult(header, IsFloat(header.Dtype) ? values : Decode(header, received), trailer);
    }

    private static bool IsFloat(V1.DataType type) => type is V1.DataType.Float32 or V1.DataType.Complex64;

    public static int ElementBytes(V1.DataType type) => type switch
    {
        V1.DataType.Float32 => 4,
        V1.DataType.Complex64 => 8,
        V1.DataType.Float16 or V1.DataType.Int16 => 2,
        _ => throw new ResultIntegrityException($"element type {type} is not one this client decodes"),
    };

    private static float[] Decode(V1.ResultHeader header, byte[] bytes)
    {
        switch (header.Dtype)
        {
            case V1.DataType.Float16:
            {
                var values = new float[bytes.Length / 2];
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), values);
                return values;
            }
            case V1.DataType.Int16:
            {
                if (!(header.ScaleFactor > 0)) throw new ResultIntegrityException($"int16 result with scale factor {header.ScaleFactor}");
                var integers = MemoryMarshal.Cast<byte, short>(bytes);
                var values = new float[integers.Length];
                for (int i = 0; i < integers.Length; i++) values[i] = (float)(integers[i] * header.ScaleFactor);
                return values;
            }
            default:
                throw new ResultIntegrityException($"element type {header.Dtype} is not one this client decodes");
        }
    }
}
