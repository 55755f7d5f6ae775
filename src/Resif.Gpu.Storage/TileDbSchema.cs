namespace Resif.Gpu.Storage;

/// <summary>TileDB datatype codes as stored on disk (only the codes this engine can meet are named).</summary>
public enum TileDbDatatype : byte
{
    Int32 = 0, Int64 = 1, Float32 = 2, Float64 = 3, Char = 4, Int8 = 5, UInt8 = 6, Int16 = 7, UInt16 = 8,
    UInt32 = 9, UInt64 = 10, StringAscii = 11, StringUtf8 = 12, DateTimeYear = 18, DateTimeAs = 30, TimeHour = 31,
    TimeAs = 43, Blob = 44, Bool = 45,
}

public enum TileDbLayout : byte { RowMajor = 0, ColMajor = 1, GlobalOrder = 2, Unordered = 3, Hilbert = 4 }

public enum TileDbArrayType : byte { Dense = 0, Sparse = 1 }

/// <summary>TileDB filter type codes as stored on disk.</summary>
public enum TileDbFilterType : byte
{
    None = 0, Gzip = 1, Zstd = 2, Lz4 = 3, Rle = 4, Bzip2 = 5, DoubleDelta = 6, BitWidthReduction = 7, BitShuffle = 8,
    ByteShuffle = 9, PositiveDelta = 10, Encryption = 11, ChecksumMd5 = 12, ChecksumSha256 = 13, Dictionary = 14,
    ScaleFloat = 15, Xor = 16, Deprecated = 17, Webp = 18, Delta = 19,
}

/// <summary>One filter of a pipeline; <see cref="Level"/> and <see cref="Reinterpret"/> only mean something for compressors.</summary>
public sealed record TileDbFilter(TileDbFilterType Type, int Level = 0, TileDbDatatype? Reinterpret = null);

public sealed record TileDbFilterPipeline(uint MaxChunkSize, IReadOnlyList<TileDbFilter> Filters)
{
    /// <summary>TileDB's default maximum chunk size (64 KiB).</summary>
    public const uint DefaultMaxChunkSize = 65536;

    public static TileDbFilterPipeline Empty { get; } = new(DefaultMaxChunkSize, []);

    public static TileDbFilterPipeline Of(params TileDbFilter[] filters) => new(DefaultMaxChunkSize, filters);
}

/// <summary>An integer dimension of a dense array: inclusive domain [Low, High] and space tile extent.</summary>
public sealed record TileDbDimension(string Name, TileDbDatatype Type, long Low, long High, long TileExtent, TileDbFilterPipeline Filters)
{
    public long Length => High - Low + 1;

    public long TileCount => (Length + TileExtent - 1) / TileExtent;
}

public sealed record TileDbAttribute(string Name, TileDbDatatype Type, uint CellValNum, TileDbFilterPipeline Filters, byte[] FillValue, bool Nullable = false)
{
    public int CellSize => checked(TileDbTypes.Size(Type) * (int)CellValNum);
}

/// <summary>A decoded array schema. <see cref="Name"/> is the schema file name (fragments refer to it).</summary>
public sealed record TileDbSchema(
    uint Version, TileDbArrayType ArrayType, TileDbLayout TileOrder, TileDbLayout CellOrder, ulong Capacity, bool AllowsDuplicates,
    TileDbFilterPipeline CoordsFilters, TileDbFilterPipeline OffsetsFilters, TileDbFilterPipeline ValidityFilters,
    IReadOnlyList<TileDbDimension> Dimensions, IReadOnlyList<TileDbAttribute> Attributes)
{
    public string Name { get; init; } = "";

    public int AttributeIndex(string name)
    {
        for (int i = 0; i < Attributes.Count; i++) if (Attributes[i].Name == name) return i;
        return -1;
    }
}

public static class TileDbTypes
{
    /// <summary>Size in bytes of one value; datetime and time types are int64.</summary>
    public static int Size(TileDbDatatype type) => (byte)type switch
    {
        0 or 2 or 9 => 4,
        1 or 3 or 10 => 8,
        4 or 5 or 6 or 11 or 12 or 17 or 44 or 45 => 1,
        7 or 8 or 13 or 15 => 2,
        14 or 16 => 4,
        >= 18 and <= 43 => 8,
        _ => throw new NotSupportedException($"unknown TileDB datatype code {(byte)type}"),
    };

    /// <summary>Integer-like types a dense dimension may have (datetimes are int64 underneath).</summary>
    public static bool IsInteger(TileDbDatatype type) => (byte)type is 0 or 1 or 5 or 6 or 7 or 8 or 9 or 10 or (>= 18 and <= 43);

    /// <summary>The .npy descr of a fixed-size numeric type, or null when numpy has no plain equivalent.</summary>
    public static string? NpyDescr(TileDbDatatype type) => (byte)type switch
    {
        0 => "<i4", 1 => "<i8", 2 => "<f4", 3 => "<f8", 5 => "|i1", 6 => "|u1", 7 => "<i2", 8 => "<u2", 9 => "<u4", 10 => "<u8",
        4 or 11 => "|S1", 45 => "|b1", >= 18 and <= 43 => "<i8", _ => null,
    };
}
