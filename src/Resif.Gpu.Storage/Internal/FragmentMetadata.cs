using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// The parts of <c>__fragment_metadata.tdb</c> a dense reader needs (format_spec/fragment.md): the footer (version,
/// schema name, non-empty domain, file sizes, offsets of the generic tiles) and, lazily, the tile offsets of a field.
/// Fields are numbered attributes, then the legacy coordinates slot, then dimensions (then timestamps/delete metadata).
/// </summary>
internal sealed class FragmentMetadata
{
    private readonly byte[] _file;
    private readonly long[] _tileOffsetsOffsets;

    public string Folder { get; }
    public string Source { get; }
    public uint Version { get; }
    public string? SchemaName { get; }
    public bool Dense { get; }
    /// <summary>Inclusive non-empty domain per dimension.</summary>
    public long[] Low { get; }
    public long[] High { get; }
    public long[] FileSizes { get; }

    public FragmentMetadata(string folder, TimestampedName name, Func<string?, TileDbSchema> schemaFor)
    {
        Folder = folder;
        Source = System.IO.Path.Combine(folder, "__fragment_metadata.tdb");
        if (!File.Exists(Source)) throw new DataCorruptionException($"{folder}: fragment metadata file is missing");
        _file = File.ReadAllBytes(Source);
        VerifyChecksum(folder);
        uint version = name.Version ?? throw new DataCorruptionException($"{folder}: fragment name carries no format version");
        FormatVersion.CheckReadable(version, folder);

        int footerStart = FooterStart(version, schemaFor(null));
        var r = new ByteReader(_file, Source, footerStart, version >= 10 ? _file.Length - 8 : _file.Length);
        Version = r.U32();
        if (Version != version) throw new DataCorruptionException($"{Source}: footer says format version {Version}, the fragment name says {version}");
        SchemaName = version >= 10 ? r.Utf8(r.Size()) : null;
        var schema = schemaFor(SchemaName);
        Dense = r.Bool();
        if (!Dense || schema.ArrayType != TileDbArrayType.Dense)
            throw new NotSupportedException($"{folder}: sparse fragments are not supported");
        bool nullDomain = r.Bool();
        int dims = schema.Dimensions.Count;
        Low = new long[dims];
        High = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            var dim = schema.Dimensions[d];
            int size = TileDbTypes.Size(dim.Type);
            Low[d] = IntegerCodec.Decode(r.Take(size), dim.Type, dim.Name);
            High[d] = IntegerCodec.Decode(r.Take(size), dim.Type, dim.Name);
            if (!nullDomain && (Low[d] < dim.Low || High[d] > dim.High || Low[d] > High[d]))
                throw new DataCorruptionException($"{Source}: non-empty domain [{Low[d]},{High[d]}] of '{dim.Name}' is outside the array domain");
        }
        if (nullDomain) for (int d = 0; d < dims; d++) (Low[d], High[d]) = (1, 0); // empty
        r.U64(); // sparse tile count
        r.U64(); // cells in the last sparse tile
        bool timestamps = version >= 14 && r.Bool();
        bool deleteMetadata = version >= 15 && r.Bool();
        int fields = schema.Attributes.Count + 1 + dims + (timestamps ? 1 : 0) + (deleteMetadata ? 2 : 0);
        FileSizes = ReadSizes(r, fields);
        ReadSizes(r, fields); // var-sized file sizes
        if (version >= 7) ReadSizes(r, fields); // validity file sizes
        r.U64(); // R-tree offset
        _tileOffsetsOffsets = ReadSizes(r, fields);
        int remainingOffsetLists = 2 + (version >= 7 ? 1 : 0) + (version >= 11 ? 4 : 0);
        r.Take(8L * fields * remainingOffsetLists + (version >= 11 ? 8 : 0) + (version >= 16 ? 8 : 0));
        if (version >= 23) SkipOptionalSections(r, dims);
        if (r.Remaining != 0) throw new DataCorruptionException($"{Source}: footer has {r.Remaining} unexpected trailing bytes");
    }

    /// <summary>Identifier of the "tile global order" optional section (format_spec/fragment.md, v23).</summary>
    private const ulong TileGlobalOrderSection = 0;

    /// <summary>
    /// Format v23 (TileDB 2.30) ends the footer with optional sections: a u32 count, then per section a u64 identifier,
    /// a u32 data size and the data (format_spec/fragment.md "Optional section"). The only one defined holds, for
    /// sparse arrays, offsets of per-tile global-order min/max coordinates: a dense reader needs none of it, but we
    /// check its size as TileDB does, and skip unknown identifiers, as the spec requires of readers.
    /// </summary>
    private void SkipOptionalSections(ByteReader r, int dims)
    {
        uint count = r.U32();
        for (uint i = 0; i < count; i++)
        {
            ulong identifier = r.U64();
            uint size = r.U32();
            if (identifier == TileGlobalOrderSection && size != 16L * dims)
                throw new DataCorruptionException($"{Source}: tile global order section holds {size} bytes, expected {16L * dims} (two offsets per dimension)");
            r.Take(size);
        }
    }

    /// <summary>
    /// Our extension to the format: the SHA-256 (hex) of <c>__fragment_metadata.tdb</c>, in a file of its own in the
    /// fragment folder (TileDB reads neither it nor any unknown file there). The footer of that file (non-empty domain,
    /// file sizes, tile offsets) has no checksum in the format, so damage there would otherwise read wrong numbers.
    /// Fragments written by TileDB have no such file and get only the structural checks.
    /// </summary>
    public const string ChecksumFileName = "__resif_fragment_metadata.sha256";

    public static byte[] Checksum(ReadOnlySpan<byte> fragmentMetadata) =>
        System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fragmentMetadata)));

    private void VerifyChecksum(string folder)
    {
        string file = System.IO.Path.Combine(folder, ChecksumFileName);
        if (!File.Exists(file)) return;
        if (!File.ReadAllBytes(file).AsSpan().SequenceEqual(Checksum(_file)))
            throw new DataCorruptionException($"{Source}: SHA-256 does not match {ChecksumFileName} (the fragment metadata or its checksum is damaged)");
    }

    public bool IsEmpty => Low.Where((low, d) => low > High[d]).Any();

    /// <summary>v10+ stores the footer length in the last 8 bytes; before, it follows from the schema (fixed-size dims only).</summary>
    private int FooterStart(uint version, TileDbSchema schema)
    {
        if (_file.Length < 8) throw new DataCorruptionException($"{Source}: file is too short ({_file.Length} bytes)");
        long footerLength;
        if (version >= 10) footerLength = BitConverter.ToInt64(_file, _file.Length - 8) + 8;
        else
        {
            int fields = schema.Attributes.Count + 1 + schema.Dimensions.Count;
            int domainBytes = schema.Dimensions.Sum(d => 2 * TileDbTypes.Size(d.Type));
            int lists = 2 + 3 + (version >= 7 ? 2 : 0); // file sizes, var sizes, tile/var/var-size offsets, validity pairs
            footerLength = 4 + 1 + 1 + domainBytes + 8 + 8 + 8L * fields * lists + 8;
        }
        if (footerLength <= 8 || footerLength > _file.Length) throw new DataCorruptionException($"{Source}: footer length {footerLength} does not fit the file ({_file.Length} bytes)");
        return (int)(_file.Length - footerLength);
    }

    private static long[] ReadSizes(ByteReader r, int count)
    {
        var values = new long[count];
        for (int i = 0; i < count; i++) values[i] = r.Size();
        return values;
    }

    /// <summary>Offsets of each tile of field <paramref name="field"/> in its data file.</summary>
    public long[] TileOffsets(int field)
    {
        var (data, _, _) = GenericTile.Read(_file, _tileOffsetsOffsets[field], Source);
        var r = new ByteReader(data, Source);
        long count = r.Size();
        if (count * 8 != r.Remaining) throw new DataCorruptionException($"{Source}: tile offsets of field {field} hold {r.Remaining} bytes for {count} offsets");
        var offsets = new long[count];
        for (int i = 0; i < count; i++) offsets[i] = r.Size();
        return offsets;
    }
}
