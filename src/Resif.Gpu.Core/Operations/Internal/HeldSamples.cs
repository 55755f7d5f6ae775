namespace Resif.Gpu.Core.Operations.Internal;

/// <summary>
/// Samples a stream holds back between chunks: rows × <see cref="Count"/> values covering global time indices
/// [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>), appended at the end and dropped from the front.
/// </summary>
internal sealed class HeldSamples(int rows)
{
    private float[] _data = [];
    private int _capacity;

    public int Rows => rows;

    public int Count { get; private set; }

    /// <summary>Global time index of the first held column.</summary>
    public long Start { get; private set; }

    public long End => Start + Count;

    /// <summary>Appends <paramref name="columns"/> columns given as a rows × columns array.</summary>
    public void Append(ReadOnlySpan<float> values, int columns)
    {
        if (columns == 0) return;
        if (Count + columns > _capacity)
        {
            int capacity = Math.Max(Count + columns, 2 * _capacity);
            var grown = new float[(long)rows * capacity];
            for (int r = 0; r < rows; r++) _data.AsSpan(r * _capacity, Count).CopyTo(grown.AsSpan(r * capacity));
            (_data, _capacity) = (grown, capacity);
        }
        for (int r = 0; r < rows; r++) values.Slice(r * columns, columns).CopyTo(_data.AsSpan(r * _capacity + Count));
        Count += columns;
    }

    public ReadOnlySpan<float> Row(int row) => _data.AsSpan(row * _capacity, Count);

    /// <summary>Held columns [from, from + count) (relative to <see cref="Start"/>) as a new rows × count array.</summary>
    public float[] Read(int from, int count)
    {
        var result = new float[(long)rows * count];
        for (int r = 0; r < rows; r++) _data.AsSpan(r * _capacity + from, count).CopyTo(result.AsSpan(r * count));
        return result;
    }

    /// <summary>Forgets the first <paramref name="count"/> columns.</summary>
    public void Drop(int count)
    {
        if (count == 0) return;
        for (int r = 0; r < rows; r++) _data.AsSpan(r * _capacity + count, Count - count).CopyTo(_data.AsSpan(r * _capacity));
        Count -= count;
        Start += count;
    }

    /// <summary>Forgets everything before global index <paramref name="index"/> (nothing when it is at or before <see cref="Start"/>).</summary>
    public void DropBefore(long index) => Drop((int)Math.Clamp(index - Start, 0, Count));
}
