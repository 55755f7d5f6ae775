namespace Resif.Gpu.Core;

/// <summary>
/// Coordinate of one dimension: regular (<c>Start + i * Step</c>) unless <see cref="Values"/> is given.
/// For time-like dimensions <see cref="Origin"/> is the absolute instant that <c>Start = 0</c> refers to.
/// </summary>
public sealed record Coordinate(string Dim, string Units, long Length, double Start, double Step)
{
    public IReadOnlyList<double>? Values { get; init; }
    public IReadOnlyList<string>? Labels { get; init; }
    public DateTimeOffset? Origin { get; init; }

    public bool IsRegular => Values is null;

    public double ValueAt(long index) => Values is { } v ? v[(int)index] : Start + index * Step;

    /// <summary>The coordinate of the index range [start, start + count*stride) taken with a stride.</summary>
    public Coordinate Slice(long start, long count, long stride = 1)
    {
        if (Values is { } v)
        {
            var values = new double[count];
            for (long i = 0; i < count; i++) values[i] = v[(int)(start + i * stride)];
            return this with
            {
                Length = count, Start = count > 0 ? values[0] : Start, Step = 0, Values = values,
                Labels = Labels is { } l ? Enumerable.Range(0, (int)count).Select(i => l[(int)(start + i * stride)]).ToArray() : null,
            };
        }
        return this with { Length = count, Start = Start + start * Step, Step = Step * stride };
    }
}
