using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Storage.Internal;

/// <summary>Per-tile statistics TileDB keeps in fragment metadata: min, max (value bytes) and sum (8 bytes).</summary>
internal sealed record TileStats(byte[] Min, byte[] Max, byte[] Sum);

/// <summary>
/// C-order cells of one attribute over the inclusive box [<see cref="Low"/>, <see cref="High"/>] at a fixed address;
/// <see cref="Owner"/> (if any) is the array that holds them, kept alive until the writer is done with them.
/// </summary>
internal readonly record struct CellBox(nint Address, long[] Low, long[] High, object? Owner = null);

/// <summary>A filtered tile in the first <see cref="Length"/> bytes of a pooled buffer.</summary>
internal readonly record struct EncodedTile(byte[] Buffer, int Length, TileStats Stats)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);
}

/// <summary>
/// Cuts C-order subarray data into the space tiles covering it (tile order, cells in cell order) and filters each tile.
/// Cells of a tile outside the written subarray hold the fill value; cells beyond the array domain hold zeros, as TileDB writes them.
/// </summary>
internal static unsafe class DenseTileBuilder
{
    /// <summary>Cells covering box [lo, hi] (inclusive, inside the written subarray): the returned box may be larger.</summary>
    public delegate CellBox BoxSource(long[] lo, long[] hi);

    /// <summary>
    /// Filters the tiles covering [low, high] in tile order and hands each to <paramref name="write"/> in that order.
    /// Tiles are encoded in parallel batches while the previous batch is being written, so memory stays bounded by
    /// two batches of a few tiles per core and the cores never wait for the file.
    /// </summary>
    public static void Build(TileDbSchema schema, TileLayout layout, TileDbAttribute attribute, long[] low, long[] high, BoxSource source,
        Action<EncodedTile> write)
    {
        int dims = schema.Dimensions.Count;
        var tileLow = new long[dims];
        var tileHigh = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            var dim = schema.Dimensions[d];
            tileLow[d] = (low[d] - dim.Low) / dim.TileExtent;
            tileHigh[d] = (high[d] - dim.Low) / dim.TileExtent;
        }
        var tiles = new List<long[]>();
        var t = (long[])tileLow.Clone();
        while (true)
        {
            tiles.Add((long[])t.Clone());
            int d = dims - 1;
            while (d >= 0 && ++t[d] > tileHigh[d]) { t[d] = tileLow[d]; d--; }
            if (d < 0) break;
        }
        tiles.Sort((a, b) => layout.FragmentTileIndex(a).CompareTo(layout.FragmentTileIndex(b)));
        int batch = 4 * Environment.ProcessorCount;
        Task writing = Task.CompletedTask;
        try
        {
            for (int start = 0; start < tiles.Count; start += batch)
            {
                int first = start;
                var built = new EncodedTile[Math.Min(batch, tiles.Count - start)];
                Parallelism.For(built.Length, i => built[i] = BuildTile(schema, layout, attribute, low, high, source, tiles[first + i]));
                Parallelism.Wait(writing);
                writing = Task.Run(() =>
                {
                    try { foreach (var tile in built) write(tile); }
                    finally { foreach (var tile in built) ArrayPool<byte>.Shared.Return(tile.Buffer); }
                });
            }
            Parallelism.Wait(writing);
        }
        catch
        {
            // The batch being written still uses the file: let it end before the caller closes it.
            ((IAsyncResult)writing).AsyncWaitHandle.WaitOne();
            throw;
        }
    }

    private static EncodedTile BuildTile(TileDbSchema schema, TileLayout layout, TileDbAttribute attribute, long[] low, long[] high, BoxSource source, long[] tile)
    {
        int dims = tile.Length;
        int cellSize = attribute.CellSize;
        var origin = new long[dims];
        var inDomainHigh = new long[dims];
        var lo = new long[dims];
        var hi = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            var dim = schema.Dimensions[d];
            origin[d] = dim.Low + tile[d] * dim.TileExtent;
            inDomainHigh[d] = Math.Min(origin[d] + dim.TileExtent - 1, dim.High);
            lo[d] = Math.Max(origin[d], low[d]);
            hi[d] = Math.Min(inDomainHigh[d], high[d]);
        }
        int tileBytes = checked((int)(layout.CellsPerTile * cellSize));
        byte[] bytes = ArrayPool<byte>.Shared.Rent(tileBytes);
        try
        {
            var cells = bytes.AsSpan(0, tileBytes);
            bool written = true, pastDomain = false;
            for (int d = 0; d < dims; d++)
            {
                written &= lo[d] == origin[d] && hi[d] == inDomainHigh[d];
                pastDomain |= inDomainHigh[d] < origin[d] + layout.Dimensions[d].TileExtent - 1;
            }
            // Pooled buffers hold old bytes: cells beyond the domain must be zeros, the rest of a partial tile the fill value.
            if (!written || pastDomain) cells.Clear();
            if (!written) FillTile(bytes, origin, inDomainHigh, layout, attribute.FillValue);

            var box = source(lo, hi);
            var sourceStrides = new long[dims];
            sourceStrides[dims - 1] = 1;
            for (int d = dims - 2; d >= 0; d--) sourceStrides[d] = sourceStrides[d + 1] * (box.High[d + 1] - box.Low[d + 1] + 1);
            var stats = new StatsAccumulator(attribute.Type);
            byte* data = (byte*)box.Address;
            ForEachRow(lo, hi, origin, layout, (cell, run, stride, coords) =>
            {
                long offset = 0;
                for (int d = 0; d < dims; d++) offset += (coords[d] - box.Low[d]) * sourceStrides[d];
                var row = new ReadOnlySpan<byte>(data + offset * cellSize, checked((int)(run * cellSize)));
                if (stride == 1) row.CopyTo(bytes.AsSpan((int)(cell * cellSize)));
                else
                    for (long i = 0; i < run; i++) row.Slice((int)(i * cellSize), cellSize).CopyTo(bytes.AsSpan((int)((cell + i * stride) * cellSize)));
                stats.Add(row);
            });
            GC.KeepAlive(box.Owner);
            var (encoded, length) = FilteredTile.EncodePooled(cells, attribute.Filters, attribute.Type, cellSize);
            return new EncodedTile(encoded, length, stats.Result());
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    /// <summary>The fill value in every in-domain cell (the tile is only partly written); zeros stay beyond the domain.</summary>
    private static void FillTile(byte[] bytes, long[] origin, long[] inDomainHigh, TileLayout layout, byte[] fill)
    {
        int cellSize = fill.Length;
        ForEachRow(origin, inDomainHigh, origin, layout, (cell, run, stride, _) =>
        {
            if (stride != 1)
            {
                for (long i = 0; i < run; i++) fill.CopyTo(bytes.AsSpan((int)((cell + i * stride) * cellSize)));
                return;
            }
            // Contiguous row: place one cell, then double the filled prefix.
            var row = bytes.AsSpan((int)(cell * cellSize), (int)(run * cellSize));
            fill.CopyTo(row);
            for (int filled = cellSize; filled < row.Length; filled *= 2)
                row[..Math.Min(filled, row.Length - filled)].CopyTo(row[filled..]);
        });
    }

    /// <summary>
    /// Visits the box [lo, hi] of a tile starting at <paramref name="origin"/> one innermost-dimension row at a time: tile
    /// cell index of the row start, row length, cell stride along the row and the row's first coordinates.
    /// </summary>
    private static void ForEachRow(long[] lo, long[] hi, long[] origin, TileLayout layout, Action<long, long, long, long[]> visit)
    {
        int dims = lo.Length;
        var k = (long[])lo.Clone();
        long run = hi[dims - 1] - lo[dims - 1] + 1;
        while (true)
        {
            long cell = 0;
            for (int d = 0; d < dims; d++) cell += (k[d] - origin[d]) * layout.CellStrides[d];
            visit(cell, run, layout.CellStrides[dims - 1], k);
            int d2 = dims - 2;
            while (d2 >= 0 && ++k[d2] > hi[d2]) { k[d2] = lo[d2]; d2--; }
            if (d2 < 0) break;
        }
    }

    /// <summary>Min/max/sum over written values: sums are double for floats, int64/uint64 for integers (TileDB's convention).</summary>
    private sealed class StatsAccumulator(TileDbDatatype type)
    {
        private readonly int _size = TileDbTypes.Size(type);
        private double _min = double.PositiveInfinity, _max = double.NegativeInfinity, _floatSum;
        private long _longMin = long.MaxValue, _longMax = long.MinValue, _longSum;
        private ulong _ulongMin = ulong.MaxValue, _ulongMax, _ulongSum;
        private bool _any;

        private bool IsFloat => type is TileDbDatatype.Float32 or TileDbDatatype.Float64;
        private bool IsUnsigned => type is TileDbDatatype.UInt8 or TileDbDatatype.UInt16 or TileDbDatatype.UInt32 or TileDbDatatype.UInt64 or TileDbDatatype.Bool or TileDbDatatype.Char or TileDbDatatype.StringAscii or TileDbDatatype.Blob;

        /// <summary>Adds whole cells (any number of them).</summary>
        public void Add(ReadOnlySpan<byte> cells)
        {
            if (cells.IsEmpty) return;
            if (type == TileDbDatatype.Float32) { AddFloats(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(cells)); return; }
            for (int v = 0; v < cells.Length / _size; v++)
            {
                var b = cells.Slice(v * _size, _size);
                _any = true;
                if (IsFloat)
                {
                    double x = _size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b);
                    _min = Math.Min(_min, x); _max = Math.Max(_max, x); _floatSum += x;
                }
                else if (IsUnsigned)
                {
                    ulong x = _size switch { 1 => b[0], 2 => BinaryPrimitives.ReadUInt16LittleEndian(b), 4 => BinaryPrimitives.ReadUInt32LittleEndian(b), _ => BinaryPrimitives.ReadUInt64LittleEndian(b) };
                    _ulongMin = Math.Min(_ulongMin, x); _ulongMax = Math.Max(_ulongMax, x); _ulongSum = unchecked(_ulongSum + x);
                }
                else
                {
                    long x = _size switch { 1 => (sbyte)b[0], 2 => BinaryPrimitives.ReadInt16LittleEndian(b), 4 => BinaryPrimitives.ReadInt32LittleEndian(b), _ => BinaryPrimitives.ReadInt64LittleEndian(b) };
                    _longMin = Math.Min(_longMin, x); _longMax = Math.Max(_longMax, x); _longSum = unchecked(_longSum + x);
                }
            }
        }

        /// <summary>
        /// The DAS case, vectorised: min/max 8 floats at a time (Vector256.Min/Max propagate NaN like MathF.Min/Max)
        /// and the sum in double lanes; only the order of the double additions differs from a sequential sum.
        /// </summary>
        private void AddFloats(ReadOnlySpan<float> values)
        {
            _any = true;
            int i = 0;
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            double sum = 0;
            if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
            {
                var vMin = Vector256.Create(float.PositiveInfinity);
                var vMax = Vector256.Create(float.NegativeInfinity);
                Vector256<double> sumLow = Vector256<double>.Zero, sumHigh = Vector256<double>.Zero;
                for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    var v = Vector256.Create(values.Slice(i, Vector256<float>.Count));
                    vMin = Vector256.Min(vMin, v);
                    vMax = Vector256.Max(vMax, v);
                    var (low, high) = Vector256.Widen(v);
                    sumLow += low;
                    sumHigh += high;
                }
                for (int lane = 0; lane < Vector256<float>.Count; lane++)
                {
                    min = MathF.Min(min, vMin[lane]);
                    max = MathF.Max(max, vMax[lane]);
                }
                sum = Vector256.Sum(sumLow + sumHigh);
            }
            for (; i < values.Length; i++)
            {
                min = MathF.Min(min, values[i]);
                max = MathF.Max(max, values[i]);
                sum += values[i];
            }
            _min = Math.Min(_min, min); _max = Math.Max(_max, max); _floatSum += sum;
        }

        public TileStats Result()
        {
            var min = new byte[_size];
            var max = new byte[_size];
            var sum = new byte[8];
            if (!_any) return new TileStats(min, max, sum);
            if (IsFloat)
            {
                if (_size == 4) { BinaryPrimitives.WriteSingleLittleEndian(min, (float)_min); BinaryPrimitives.WriteSingleLittleEndian(max, (float)_max); }
                else { BinaryPrimitives.WriteDoubleLittleEndian(min, _min); BinaryPrimitives.WriteDoubleLittleEndian(max, _max); }
                BinaryPrimitives.WriteDoubleLittleEndian(sum, _floatSum);
            }
            else if (IsUnsigned)
            {
                BitConverter.GetBytes(_ulongMin).AsSpan(0, _size).CopyTo(min);
                BitConverter.GetBytes(_ulongMax).AsSpan(0, _size).CopyTo(max);
                BinaryPrimitives.WriteUInt64LittleEndian(sum, _ulongSum);
            }
            else
            {
                BitConverter.GetBytes(_longMin).AsSpan(0, _size).CopyTo(min);
                BitConverter.GetBytes(_longMax).AsSpan(0, _size).CopyTo(max);
                BinaryPrimitives.WriteInt64LittleEndian(sum, _longSum);
            }
            return new TileStats(min, max, sum);
        }
    }
}
