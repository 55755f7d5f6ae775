namespace Resif.Gpu.Core;

/// <summary>
/// A dense C-order tensor held in memory while a pipeline runs: float32 values (interleaved for complex).
/// Channel-first [channel, time] for DAS data.
/// </summary>
public sealed class Block
{
    public Block(TensorLayout layout, float[] data)
    {
        long needed = layout.ElementCount * (layout.Type == ElementType.Complex64 ? 2 : 1);
        if (data.LongLength < needed) throw new ArgumentException($"data holds {data.LongLength} floats, layout needs {needed}");
        Layout = layout;
        Data = data;
    }

    public TensorLayout Layout { get; }

    /// <summary>Backing store; may be longer than the layout needs (pooled buffers).</summary>
    public float[] Data { get; }

    public Span<float> Values => Data.AsSpan(0, (int)(Layout.ElementCount * (Layout.Type == ElementType.Complex64 ? 2 : 1)));

    /// <summary>Rows and columns when the block is viewed as 2-D [first dim, rest].</summary>
    public int Rows => (int)Layout.Shape[0];

    public int Columns => (int)(Layout.ElementCount / Math.Max(1, Layout.Shape[0]));
}
