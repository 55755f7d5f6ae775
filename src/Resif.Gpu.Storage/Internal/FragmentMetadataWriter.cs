namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Serializes <c>__fragment_metadata.tdb</c> for a dense fragment at format v21, laid out like the fragments real TileDB
/// writes (checked field by field against the siftsmall-queries-v21 fixture): every per-field list has one entry per
/// attribute, the legacy coordinates slot and each dimension; lists of unused fields hold zeros.
/// </summary>
internal static class FragmentMetadataWriter
{
    public sealed record AttributeTiles(TileDbAttribute Attribute, long[] Offsets, long FileSize, TileStats[] Stats);

    public static byte[] Write(TileDbSchema schema, long[] low, long[] high, TileLayout layout, IReadOnlyList<AttributeTiles> attributes)
    {
        int dims = schema.Dimensions.Count;
        int fields = attributes.Count + 1 + dims;
        long tiles = layout.FragmentTileCount;
        var w = new ByteWriter();
        long Tile(ByteWriter data) { long offset = w.Length; GenericTile.Write(w, data.ToArray()); return offset; }
        ByteWriter Zeros(long count, int width) => new ByteWriter().U64((ulong)count).Bytes(new byte[count * width]);
        bool IsAttribute(int field) => field < attributes.Count;

        long rtree = Tile(new ByteWriter().U32(10).U32(0)); // fanout 10, no levels: dense fragments need no R-tree
        long[] tileOffsets = Fields(fields, f =>
        {
            if (!IsAttribute(f)) return Tile(Zeros(tiles, 8));
            var list = new ByteWriter().U64((ulong)tiles);
            foreach (long o in attributes[f].Offsets) list.U64((ulong)o);
            return Tile(list);
        });
        long[] varOffsets = Fields(fields, _ => Tile(Zeros(tiles, 8)));
        long[] varSizes = Fields(fields, _ => Tile(Zeros(tiles, 8)));
        long[] validityOffsets = Fields(fields, _ => Tile(Zeros(tiles, 8)));
        long[] MinMax(Func<TileStats, byte[]> pick) => Fields(fields, f =>
        {
            // [u64 fixed bytes][u64 var bytes][fixed values][var values], as real TileDB lays tile mins/maxs out.
            if (f == attributes.Count) return Tile(new ByteWriter().U64((ulong)(tiles * 8)).U64(0).Bytes(new byte[tiles * 8]));
            if (!IsAttribute(f)) return Tile(new ByteWriter().U64(0).U64(0));
            var list = new ByteWriter().U64((ulong)(tiles * attributes[f].Stats[0].Min.Length)).U64(0);
            foreach (var s in attributes[f].Stats) list.Bytes(pick(s));
            return Tile(list);
        });
        long[] mins = MinMax(s => s.Min);
        long[] maxs = MinMax(s => s.Max);
        long[] sums = Fields(fields, f =>
        {
            if (f == attributes.Count) return Tile(Zeros(tiles, 8));
            if (!IsAttribute(f)) return Tile(new ByteWriter().U64(0));
            var list = new ByteWriter().U64((ulong)tiles);
            foreach (var s in attributes[f].Stats) list.Bytes(s.Sum);
            return Tile(list);
        });
        long[] nullCounts = Fields(fields, _ => Tile(new ByteWriter().U64(0)));

        var summary = new ByteWriter();
        for (int f = 0; f < fields; f++)
        {
            if (IsAttribute(f))
            {
                var (min, max, sum) = FragmentSummary(attributes[f].Stats, attributes[f].Attribute.Type);
                summary.U64((ulong)min.Length).Bytes(min).U64((ulong)max.Length).Bytes(max).Bytes(sum).U64(0);
            }
            else if (f == attributes.Count) summary.U64(4).U32(0).U64(4).U32(0).U64(0).U64(0);
            else summary.U64(0).U64(0).U64(0).U64(0);
        }
        long fragmentSummary = Tile(summary);
        long processedConditions = Tile(new ByteWriter().U64(0));

        long footerStart = w.Length;
        w.U32(FormatVersion.Write).U64((ulong)System.Text.Encoding.UTF8.GetByteCount(schema.Name)).Utf8(schema.Name).Bool(true).Bool(false);
        for (int d = 0; d < dims; d++)
        {
            IntegerCodec.Encode(w, low[d], schema.Dimensions[d].Type);
            IntegerCodec.Encode(w, high[d], schema.Dimensions[d].Type);
        }
        w.U64(0).U64((ulong)layout.CellsPerTile).Bool(false).Bool(false);
        for (int f = 0; f < fields; f++) w.U64(IsAttribute(f) ? (ulong)attributes[f].FileSize : 0);
        for (int f = 0; f < 2 * fields; f++) w.U64(0); // var-sized and validity file sizes
        w.U64((ulong)rtree);
        foreach (var list in (long[][])[tileOffsets, varOffsets, varSizes, validityOffsets, mins, maxs, sums, nullCounts])
            foreach (long offset in list) w.U64((ulong)offset);
        w.U64((ulong)fragmentSummary).U64((ulong)processedConditions);
        w.U64((ulong)(w.Length - footerStart));
        return w.ToArray();
    }

    private static long[] Fields(int count, Func<int, long> write)
    {
        var offsets = new long[count];
        for (int f = 0; f < count; f++) offsets[f] = write(f);
        return offsets;
    }

    private static (byte[] Min, byte[] Max, byte[] Sum) FragmentSummary(TileStats[] stats, TileDbDatatype type)
    {
        // Compare through the type's own ordering by decoding into double (exact for every type this writer stores but
        // 64-bit integers beyond 2^53, where the min/max bytes could pick a neighbour; they are statistics, not data).
        double Value(byte[] b) => (byte)type switch
        {
            2 => BitConverter.ToSingle(b), 3 => BitConverter.ToDouble(b), 0 => BitConverter.ToInt32(b), 1 => BitConverter.ToInt64(b),
            5 => (sbyte)b[0], 7 => BitConverter.ToInt16(b), 8 => BitConverter.ToUInt16(b), 9 => BitConverter.ToUInt32(b),
            10 => BitConverter.ToUInt64(b), _ => b[0],
        };
        var min = stats.MinBy(s => Value(s.Min))!.Min;
        var max = stats.MaxBy(s => Value(s.Max))!.Max;
        byte[] sum = new byte[8];
        if (type is TileDbDatatype.Float32 or TileDbDatatype.Float64) BitConverter.GetBytes(stats.Sum(s => BitConverter.ToDouble(s.Sum))).CopyTo(sum, 0);
        else BitConverter.GetBytes(stats.Aggregate(0L, (a, s) => unchecked(a + BitConverter.ToInt64(s.Sum)))).CopyTo(sum, 0);
        return (min, max, sum);
    }
}
