namespace Resif.Gpu.Core.Operations.Internal;

/// <summary>Blocks that hold a range of time samples of a [channel, time] window, with the window's coordinates sliced.</summary>
internal static class TimeChunk
{
    /// <summary>Samples [start, start + count) of every row of <paramref name="window"/>, backed by <paramref name="data"/> (rows × count).</summary>
    public static Block Of(TensorLayout window, long start, int count, float[] data) => new(window with
    {
        Shape = [window.Shape[0], count],
        Coords = [window.Coords[0], window.Coords[1].Slice(start, count)],
    }, data);

    public static Block Empty(TensorLayout window, long position) => Of(window, position, 0, []);

    /// <summary>Columns [from, from + count) of a rows × columns array, as a new rows × count array.</summary>
    public static float[] Columns(ReadOnlySpan<float> data, int rows, int columns, int from, int count)
    {
        var result = new float[(long)rows * count];
        for (int r = 0; r < rows; r++) data.Slice(r * columns + from, count).CopyTo(result.AsSpan(r * count, count));
        return result;
    }

    /// <summary>
    /// The columns of a rows × columns array whose global time index (<paramref name="firstIndex"/> + column) is a
    /// multiple of <paramref name="factor"/>: decimation keeps its phase whatever the chunk boundaries.
    /// </summary>
    public static float[] KeepMultiples(ReadOnlySpan<float> data, int rows, int columns, long firstIndex, int factor, out int kept)
    {
        int offset = (int)((factor - firstIndex % factor) % factor);
        kept = offset < columns ? (columns - offset - 1) / factor + 1 : 0;
        var result = new float[(long)rows * kept];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < kept; j++) result[r * kept + j] = data[r * columns + offset + j * factor];
        }
        return result;
    }
}
