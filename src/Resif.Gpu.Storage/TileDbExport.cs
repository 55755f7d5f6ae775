using Resif.Gpu.Core.IO;

namespace Resif.Gpu.Storage;

/// <summary>Exports a TileDB dense array attribute to .npy (what <c>resif-gpu export</c> calls).</summary>
public static class TileDbExport
{
    /// <summary>
    /// Writes the attribute (default: the first) over the whole domain, or over the fragments' non-empty domain when
    /// <paramref name="nonEmptyDomainOnly"/>, as a C-order .npy in schema dimension order with the attribute's own dtype.
    /// Cells of more than one value get a trailing dimension. Returns the shape written.
    /// </summary>
    public static long[] ToNpy(string arrayPath, string? attributeName, string outPath, bool nonEmptyDomainOnly = false)
    {
        var array = TileDbArray.Open(arrayPath);
        var attribute = attributeName is null
            ? array.Schema.Attributes.Count > 0 ? array.Schema.Attributes[0] : throw new NotSupportedException($"{arrayPath}: the array has no attribute")
            : array.FindAttribute(attributeName);
        string descr = TileDbTypes.NpyDescr(attribute.Type) ?? throw new NotSupportedException($"{arrayPath}: attribute '{attribute.Name}' of type {attribute.Type} has no .npy dtype");
        var ranges = nonEmptyDomainOnly && array.NonEmptyDomain is { } domain
            ? domain.Select(d => DimensionRange.Inclusive(d.Low, d.High)).ToArray()
            : array.Schema.Dimensions.Select(d => DimensionRange.Inclusive(d.Low, d.High)).ToArray();
        long[] shape = attribute.CellValNum == 1 ? ranges.Select(r => r.Count).ToArray() : [.. ranges.Select(r => r.Count), attribute.CellValNum];
        long bytes = ranges.Aggregate((long)attribute.CellSize, (a, r) => checked(a * r.Count));
        if (bytes > Array.MaxLength) throw new NotSupportedException($"{arrayPath}: {bytes} bytes is too large to export in one piece; export the non-empty domain");
        var data = new byte[bytes];
        array.ReadDense(attribute.Name, ranges, data);
        using var stream = File.Create(outPath);
        NpyFile.WriteHeader(stream, shape, descr);
        stream.Write(data);
        return shape;
    }
}
