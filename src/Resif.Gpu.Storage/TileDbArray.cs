using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage;

/// <summary>An inclusive index range of one dimension, taken every <see cref="Step"/> cells.</summary>
public readonly record struct DimensionRange(long Start, long Count, long Step = 1)
{
    public long Last => Start + (Count - 1) * Step;

    public static DimensionRange Inclusive(long low, long high) => new(low, high - low + 1);
}

/// <summary>Typed result of a dense read: C-order values over the subarray, dimensions in schema order.</summary>
public sealed record TileDbData(TileDbDatatype Type, long[] Shape, Array Values);

/// <summary>
/// A TileDB dense array opened for reading (TileDB format, managed implementation). The fragment list is fixed at
/// open time, so a reader stays consistent while writers append.
/// </summary>
public sealed class TileDbArray
{
    private readonly ArrayDirectory _directory;
    private readonly ConcurrentDictionary<string, TileDbSchema> _schemas = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<FragmentMetadata> _fragments;
    private readonly ConcurrentDictionary<(int Fragment, int Field), long[]> _tileOffsets = new();

    public string Path { get; }

    /// <summary>The latest schema.</summary>
    public TileDbSchema Schema { get; }

    public IReadOnlyDictionary<string, TileDbMetadataValue> Metadata { get; }

    /// <summary>Number of committed fragments in view.</summary>
    public int FragmentCount => _fragments.Count;

    /// <summary>
    /// True when attribute tiles are read without checking their MD5/SHA-256 filters (TileDB's
    /// <c>sm.skip_checksum_validation</c>), for file systems that already checksum every block (ZFS, Ceph). The array's
    /// own metadata (schema, fragment footers) is always checked: it is small.
    /// </summary>
    public bool SkipChecksumValidation { get; }

    /// <summary>Which zstd implementation this process reads and writes with: native libzstd when it loads, else managed ZstdSharp.</summary>
    public static string ZstdImplementation => ZstdCodec.Description;

    private TileDbArray(string path, bool skipChecksumValidation)
    {
        Path = System.IO.Path.GetFullPath(path);
        SkipChecksumValidation = skipChecksumValidation;
        _directory = ArrayDirectory.Load(Path);
        Schema = _directory.Schemas.Count > 0 ? LoadSchema(_directory.Schemas[^1].Name) : LoadSchema(null);
        Metadata = ArrayMetadataCodec.Load(_directory.MetadataFiles);
        _fragments = Schema.ArrayType == TileDbArrayType.Dense
            ? _directory.Fragments.Select(f => new FragmentMetadata(f.Folder, f.Name, LoadSchema)).Where(f => !f.IsEmpty).ToList()
            : [];
    }

    /// <summary>Opens the array folder; unsupported or damaged arrays fail here with a message naming what and where.</summary>
    public static TileDbArray Open(string path, bool skipChecksumValidation = false) => new(path, skipChecksumValidation);

    /// <summary>Schema by file name; null means the pre-v10 <c>__array_schema.tdb</c> (or the latest when there are several).</summary>
    private TileDbSchema LoadSchema(string? name)
    {
        name ??= _directory.Schemas.Count > 0 ? _directory.Schemas[^1].Name : null;
        return _schemas.GetOrAdd(name ?? ArrayDirectory.LegacySchemaFile, key =>
        {
            string file = name is null ? System.IO.Path.Combine(Path, key) : System.IO.Path.Combine(Path, "__schema", key);
            if (!File.Exists(file)) throw new DataCorruptionException($"{Path}: schema '{key}' is missing");
            byte[] data;
            try { data = GenericTile.Read(File.ReadAllBytes(file), 0, file).Data; }
            catch (DataCorruptionException e) when (name is null)
            {
                // TileDB before 1.4 wrote schemas without the generic tile header: they fail here, at its first fields.
                throw new NotSupportedException($"{file}: not a versioned array schema ({e.Message}); arrays written before TileDB 1.4 (no format version) are not supported", e);
            }
            return SchemaCodec.Read(data, file) with { Name = key };
        });
    }

    /// <summary>Union of the fragments' non-empty domains (inclusive), or null when nothing was written.</summary>
    public (long Low, long High)[]? NonEmptyDomain
    {
        get
        {
            if (_fragments.Count == 0) return null;
            return Enumerable.Range(0, Schema.Dimensions.Count)
                .Select(d => (_fragments.Min(f => f.Low[d]), _fragments.Max(f => f.High[d]))).ToArray();
        }
    }

    /// <summary>Reads an attribute over a subarray (default: the whole domain) into a typed C-order array.</summary>
    public TileDbData ReadDense(string attribute, IReadOnlyList<DimensionRange>? subarray = null)
    {
        var attr = FindAttribute(attribute);
        var ranges = subarray?.ToArray() ?? Schema.Dimensions.Select(d => DimensionRange.Inclusive(d.Low, d.High)).ToArray();
        long cells = ranges.Aggregate(1L, (a, r) => checked(a * r.Count));
        Array values = NewArray(attr.Type, checked(cells * attr.CellValNum));
        var bytes = MemoryMarshal.AsBytes(AsSpanOf(values));
        ReadDense(attribute, ranges, bytes);
        return new TileDbData(attr.Type, ranges.Select(r => r.Count).ToArray(), values);
    }

    /// <summary>Reads into a caller buffer of exactly cells x cell size bytes, C-order over the ranges in schema order.</summary>
    public void ReadDense(string attribute, IReadOnlyList<DimensionRange> ranges, Span<byte> destination) =>
        DenseReader.Read(this, FindAttribute(attribute), ranges, destination);

    internal TileDbAttribute FindAttribute(string name)
    {
        if (Schema.ArrayType != TileDbArrayType.Dense) throw new NotSupportedException($"{Path}: sparse arrays are not supported");
        int index = Schema.AttributeIndex(name);
        if (index < 0) throw new KeyNotFoundException($"{Path}: no attribute '{name}' (attributes: {string.Join(", ", Schema.Attributes.Select(a => $"'{a.Name}'"))})");
        return Schema.Attributes[index];
    }

    internal IReadOnlyList<FragmentMetadata> Fragments => _fragments;

    internal IReadOnlyList<Internal.TimestampedName> FragmentNames => _directory.Fragments.Select(f => f.Name).ToList();

    /// <summary>The newest fragment timestamp (ms), 0 when there is none: new fragments must be later.</summary>
    internal long LatestTimestamp => _directory.Fragments.Count == 0 ? 0 : _directory.Fragments.Max(f => f.Name.T2);

    internal TileDbSchema SchemaOf(FragmentMetadata fragment) => LoadSchema(fragment.SchemaName);

    internal long[] TileOffsets(int fragment, int field) => _tileOffsets.GetOrAdd((fragment, field), key => _fragments[key.Fragment].TileOffsets(key.Field));

    private static Array NewArray(TileDbDatatype type, long length) => (byte)type switch
    {
        0 => new int[length], 1 => new long[length], 2 => new float[length], 3 => new double[length], 5 => new sbyte[length],
        7 => new short[length], 8 => new ushort[length], 9 => new uint[length], 10 => new ulong[length],
        13 or 15 => new ushort[length], 14 or 16 => new uint[length], // UTF-16/UCS-2 and UTF-32/UCS-4 code units
        >= 18 and <= 43 => new long[length],
        _ when TileDbTypes.Size(type) == 1 => new byte[length],
        _ => throw new NotSupportedException($"attribute type {type} is not supported"),
    };

    private static Span<byte> AsSpanOf(Array values) => values switch
    {
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()), long[] a => MemoryMarshal.AsBytes(a.AsSpan()), float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()), sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()), short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()), uint[] a => MemoryMarshal.AsBytes(a.AsSpan()), ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a.AsSpan(),
        _ => throw new NotSupportedException(values.GetType().Name),
    };
}
