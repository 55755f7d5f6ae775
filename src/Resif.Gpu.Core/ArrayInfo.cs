namespace Resif.Gpu.Core;

/// <summary>Element type of a tensor. Complex64 is stored as interleaved float32 (re, im).</summary>
public enum ElementType
{
    Float32,
    Complex64,
}

/// <summary>Shape, dimension names and coordinates of an array or of a block of it.</summary>
public sealed record TensorLayout(IReadOnlyList<string> Dims, IReadOnlyList<long> Shape, IReadOnlyList<Coordinate> Coords,
    string Units, ElementType Type = ElementType.Float32)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public int BytesPerElement => Type == ElementType.Complex64 ? 8 : 4;

    public long ByteCount => ElementCount * BytesPerElement;

    public int IndexOf(string dim)
    {
        for (int i = 0; i < Dims.Count; i++) if (Dims[i] == dim) return i;
        return -1;
    }

    public Coordinate Coord(string dim) => Coords[IndexOf(dim) is var i and >= 0 ? i : throw new KeyNotFoundException($"no dimension '{dim}'")];
}

/// <summary>A stored array as the catalog describes it.</summary>
public sealed record ArrayInfo(string Name, TensorLayout Layout, IReadOnlyDictionary<string, string> Metadata)
{
    public long SizeBytes => Layout.ByteCount;
}
