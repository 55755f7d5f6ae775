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
    public void Append(ReadOnlySpan<float> values, int columns) => Append(values, columns, 0);

    /// <summary>
    /// Appends a rows × columns array but keeps only the latest <paramref name="limit"/> columns held (the rest are
    /// forgotten without being copied in).
    /// </summary>
    public void AppendLatest(ReadOnlySpan<float> values, int columns, int limit)
    {
        int take = Math.Min(columns, limit);
        Drop(Count - Math.Min(Count, limit - take));
        // Columns of the chunk that are skipped: only possible once nothing old is left (take = limit).
        Start += columns - take;
        Append(values, columns, columns - take);
    }

    // Appends columns [first, columns) of each row of a rows × columns array.
    private void Append(ReadOnlySpan<float> values, int columns, int first)
    {
        int added = columns - first;
        if (added == 0) return;
        if (Count + added > _capacity)
        {
            int capacity = Math.Max(Count + added, 2 * _capacity);
            var grown = new float[(long)rows * capacity];
            for (int r = 0; r < rows; r++) _data.AsSpan(r * _capacity, Count).CopyTo(grown.AsSpan(r * capacity));
            (_data, _capacity) = (grown, capacity);
        }
        for (int r = 0; r < rows; r++) values.Slice(r * columns + first, added).CopyTo(_data.AsSpan(r * _capacity + Count));
        Count += added;
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
