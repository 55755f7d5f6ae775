using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>Array schema (de)serialization, following format_spec/array_schema.md with its per-version fields.</summary>
internal static class SchemaCodec
{
    public static TileDbSchema Read(byte[] data, string source)
    {
        var r = new ByteReader(data, source);
        uint version = r.U32();
        FormatVersion.CheckReadable(version, source);
        bool allowsDups = r.Bool();
        var arrayType = (TileDbArrayType)r.U8();
        var tileOrder = (TileDbLayout)r.U8();
        var cellOrder = (TileDbLayout)r.U8();
        ulong capacity = r.U64();
        var coords = FilterCodec.ReadPipeline(r);
        var offsets = FilterCodec.ReadPipeline(r);
        var validity = version >= 7 ? FilterCodec.ReadPipeline(r) : TileDbFilterPipeline.Empty;

        uint dimCount = r.U32();
        if (dimCount is 0 or > 32) throw new DataCorruptionException($"{source}: implausible dimension count {dimCount}");
        var dims = new List<TileDbDimension>();
        for (int i = 0; i < dimCount; i++) dims.Add(ReadDimension(r, arrayType));

        uint attrCount = r.U32();
        if (attrCount > 4096) throw new DataCorruptionException($"{source}: implausible attribute count {attrCount}");
        var attrs = new List<TileDbAttribute>();
        for (int i = 0; i < attrCount; i++) attrs.Add(ReadAttribute(r, version));

        if (version >= 18 && r.U32() is var labels and > 0)
            throw new NotSupportedException($"{source}: dimension labels ({labels}) are not supported");
        if (version >= 20)
        {
            uint enumerations = r.U32();
            if (enumerations > 0) throw new NotSupportedException($"{source}: enumerations ({enumerations}) are not supported");
        }
        if (version >= 22)
        {
            r.U32(); // current-domain block version
            bool empty = r.Bool();
            if (!empty) throw new NotSupportedException($"{source}: a non-empty current domain is not supported");
        }
        return new TileDbSchema(version, arrayType, tileOrder, cellOrder, capacity, allowsDups, coords, offsets, validity, dims, attrs);
    }

    private static TileDbDimension ReadDimension(ByteReader r, TileDbArrayType arrayType)
    {
        string name = r.Utf8(r.U32());
        var type = (TileDbDatatype)r.U8();
        uint cellValNum = r.U32();
        var filters = FilterCodec.ReadPipeline(r);
        long domainSize = r.Size();
        var domain = r.Take(domainSize);
        bool nullExtent = r.Bool();
        if (arrayType == TileDbArrayType.Sparse)
        {
            // Sparse arrays are refused later with a clear message; keep parsing so their metadata stays readable.
            if (!nullExtent) r.Take(cellValNum == uint.MaxValue ? 0 : TileDbTypes.Size(type));
            return new TileDbDimension(name, type, 0, 0, 1, filters);
        }
        if (!TileDbTypes.IsInteger(type) || cellValNum != 1)
            throw new NotSupportedException($"{r.Source}: dense dimension '{name}' has type {type} x{cellValNum}; only integer dimensions are supported");
        int size = TileDbTypes.Size(type);
        if (domainSize != 2 * size) throw new DataCorruptionException($"{r.Source}: dimension '{name}' domain has {domainSize} bytes, expected {2 * size}");
        if (nullExtent) throw new NotSupportedException($"{r.Source}: dense dimension '{name}' has no tile extent");
        long low = IntegerCodec.Decode(domain[..size], type, name);
        long high = IntegerCodec.Decode(domain[size..], type, name);
        long extent = IntegerCodec.Decode(r.Take(size), type, name);
        if (high < low || extent <= 0) throw new DataCorruptionException($"{r.Source}: dimension '{name}' has domain [{low},{high}] and tile extent {extent}");
        return new TileDbDimension(name, type, low, high, extent, filters);
    }

    private static TileDbAttribute ReadAttribute(ByteReader r, uint version)
    {
        string name = r.Utf8(r.U32());
        var type = (TileDbDatatype)r.U8();
        uint cellValNum = r.U32();
        var filters = FilterCodec.ReadPipeline(r);
        byte[] fill = version >= 6 ? r.Take(r.Size()).ToArray() : [];
        bool nullable = false;
        if (version >= 7)
        {
            nullable = r.Bool();
            r.U8(); // fill value validity
        }
        if (version >= 17) r.U8(); // data order
        if (version >= 20 && r.U32() is var enumNameLength and > 0)
            throw new NotSupportedException($"{r.Source}: attribute '{name}' uses an enumeration ('{r.Utf8(enumNameLength)}'), which is not supported");
        return new TileDbAttribute(name, type, cellValNum, filters, fill, nullable);
    }

    /// <summary>Serializes at <see cref="FormatVersion.Write"/>: dense, integer dimensions, no labels or enumerations.</summary>
    public static byte[] Write(TileDbSchema schema)
    {
        var w = new ByteWriter();
        w.U32(FormatVersion.Write).Bool(schema.AllowsDuplicates).U8((byte)schema.ArrayType).U8((byte)schema.TileOrder).U8((byte)schema.CellOrder).U64(schema.Capacity);
        FilterCodec.WritePipeline(w, schema.CoordsFilters);
        FilterCodec.WritePipeline(w, schema.OffsetsFilters);
        FilterCodec.WritePipeline(w, schema.ValidityFilters);
        w.U32((uint)schema.Dimensions.Count);
        foreach (var d in schema.Dimensions)
        {
            w.U32((uint)System.Text.Encoding.UTF8.GetByteCount(d.Name)).Utf8(d.Name).U8((byte)d.Type).U32(1);
            FilterCodec.WritePipeline(w, d.Filters);
            int size = TileDbTypes.Size(d.Type);
            w.U64((ulong)(2 * size));
            IntegerCodec.Encode(w, d.Low, d.Type);
            IntegerCodec.Encode(w, d.High, d.Type);
            w.Bool(false);
            IntegerCodec.Encode(w, d.TileExtent, d.Type);
        }
        w.U32((uint)schema.Attributes.Count);
        foreach (var a in schema.Attributes)
        {
            w.U32((uint)System.Text.Encoding.UTF8.GetByteCount(a.Name)).Utf8(a.Name).U8((byte)a.Type).U32(a.CellValNum);
            FilterCodec.WritePipeline(w, a.Filters);
            w.U64((ulong)a.FillValue.Length).Bytes(a.FillValue);
            w.Bool(a.Nullable).U8(0).U8(0).U32(0); // fill validity, unordered data, no enumeration
        }
        w.U32(0).U32(0); // no dimension labels, no enumerations
        return w.ToArray();
    }
}

/// <summary>Integer coordinates of any integer TileDB type, carried as long (uint64 beyond long.MaxValue is refused).</summary>
internal static class IntegerCodec
{
    public static long Decode(ReadOnlySpan<byte> b, TileDbDatatype type, string what) => (byte)type switch
    {
        0 => BitConverter.ToInt32(b),
        5 => (sbyte)b[0],
        6 => b[0],
        7 => BitConverter.ToInt16(b),
        8 => BitConverter.ToUInt16(b),
        9 => BitConverter.ToUInt32(b),
        10 => BitConverter.ToUInt64(b) is var u && u <= long.MaxValue ? (long)u
            : throw new NotSupportedException($"'{what}': uint64 coordinate {u} beyond 2^63-1 is not supported"),
        _ => BitConverter.ToInt64(b),
    };

    public static void Encode(ByteWriter w, long value, TileDbDatatype type)
    {
        switch (TileDbTypes.Size(type))
        {
            case 1: w.U8(unchecked((byte)value)); break;
            case 2: w.Bytes(BitConverter.GetBytes(unchecked((short)value))); break;
            case 4: w.I32(unchecked((int)value)); break;
            default: w.I64(value); break;
        }
    }
}
