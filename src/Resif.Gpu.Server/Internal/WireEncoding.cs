using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// The element type a result travels in, and the conversion of the pipeline's float32 (or complex64) bytes into it.
/// FLOAT32 and COMPLEX64 pass through; FLOAT16 rounds to nearest even (as NumPy's astype); INT16 stores
/// round(value / scale) saturated to ±32767, with NaN as 0.
/// </summary>
internal sealed class WireEncoding
{
    private WireEncoding(V1.DataType type, int elementBytes, int sourceElementBytes, double scale)
    {
        Type = type;
        ElementBytes = elementBytes;
        SourceElementBytes = sourceElementBytes;
        Scale = scale;
    }

    public V1.DataType Type { get; }

    public int ElementBytes { get; }

    /// <summary>Bytes of one element as the pipeline produces it (float32 or complex64).</summary>
    public int SourceElementBytes { get; }

    /// <summary>INT16 only: value = int16 * Scale; 0 until chosen from the data.</summary>
    public double Scale { get; private set; }

    public bool IsPassThrough => ElementBytes == SourceElementBytes;

    /// <summary>INT16 without a scale from the client: it has to see the whole result first.</summary>
    public bool NeedsScaleFromData => Type == V1.DataType.Int16 && Scale == 0;

    public long WireBytes(long elementCount) => checked(elementCount * ElementBytes);

    public static WireEncoding For(ElementType produced, V1.DataType requested, double int16Scale)
    {
        const string field = "output_dtype";
        if (!double.IsFinite(int16Scale) || int16Scale < 0) throw new InvalidRequestException("int16_scale", "must be a finite number >= 0");
        if (int16Scale != 0 && requested != V1.DataType.Int16) throw new InvalidRequestException("int16_scale", "applies to output_dtype INT16 only");
        if (produced == ElementType.Complex64)
        {
            return requested is V1.DataType.Unspecified or V1.DataType.Complex64
                ? new WireEncoding(V1.DataType.Complex64, 8, 8, 0)
                : throw new InvalidRequestException(field, $"the result is complex (complex64); {requested} applies to real results");
        }
        return requested switch
        {
            V1.DataType.Unspecified or V1.DataType.Float32 => new WireEncoding(V1.DataType.Float32, 4, 4, 0),
            V1.DataType.Float16 => new WireEncoding(V1.DataType.Float16, 2, 4, 0),
            V1.DataType.Int16 => new WireEncoding(V1.DataType.Int16, 2, 4, int16Scale),
            V1.DataType.Complex64 => throw new InvalidRequestException(field, "COMPLEX64 needs a complex result (e.g. fk); this one is real"),
            _ => throw new InvalidRequestException(field, $"{requested} is not offered (FLOAT32, FLOAT16, INT16 or COMPLEX64)"),
        };
    }

    /// <summary>Chooses the INT16 scale so that the largest magnitude maps to 32767 (1 for an all-zero result).</summary>
    public void ChooseScale(IEnumerable<ReadOnlyMemory<byte>> float32Chunks)
    {
        float largest = 0;
        foreach (var chunk in float32Chunks)
        {
            var values = MemoryMarshal.Cast<byte, float>(chunk.Span);
            foreach (float v in values)
            {
                if (float.IsFinite(v)) largest = Math.Max(largest, Math.Abs(v));
            }
        }
        Scale = largest > 0 ? largest / 32767.0 : 1.0;
    }

    public ReadOnlyMemory<byte> Encode(ReadOnlyMemory<byte> source)
    {
        if (IsPassThrough) return source;
        var values = MemoryMarshal.Cast<byte, float>(source.Span);
        var output = new byte[values.Length * ElementBytes];
        if (Type == V1.DataType.Float16)
        {
            TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(output.AsSpan()));
            return output;
        }
        var integers = MemoryMarshal.Cast<byte, short>(output.AsSpan());
        double inverse = 1.0 / Scale;
        for (int i = 0; i < values.Length; i++)
        {
            double scaled = Math.Round(values[i] * inverse, MidpointRounding.ToEven);
            integers[i] = double.IsNaN(scaled) ? (short)0 : (short)Math.Clamp(scaled, -32767, 32767);
        }
        return output;
    }
}
