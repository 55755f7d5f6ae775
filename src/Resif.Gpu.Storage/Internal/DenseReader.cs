using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// Dense reads: give the fill value to the cells no fragment holds, then apply fragments oldest first (later ones
/// override), copying only cells inside each fragment's non-empty domain. Within a fragment, tiles are disjoint and
/// decoded in parallel, each decoding only the chunks that hold the cells it needs.
/// </summary>
internal static unsafe class DenseReader
{
    public static void Read(TileDbArray array, TileDbAttribute attribute, IReadOnlyList<DimensionRange> ranges, Span<byte> destination)
    {
        var schema = array.Schema;
        int dims = schema.Dimensions.Count;
        if (ranges.Count != dims) throw new InvalidRequestException("subarray", $"{ranges.Count} ranges for {dims} dimensions");
        for (int d = 0; d < dims; d++)
        {
            var dim = schema.Dimensions[d];
            var range = ranges[d];
            if (range.Count <= 0 || range.Step <= 0 || range.Start < dim.Low || range.Last > dim.High)
                throw new InvalidRequestException($"subarray[{d}]", $"range start {range.Start} count {range.Count} step {range.Step} is empty or outside the domain [{dim.Low}, {dim.High}] of '{dim.Name}'");
        }
        FilterCodec.CheckSupported(attribute.Filters, $"{array.Path}: attribute '{attribute.Name}'");
        if (attribute.CellValNum == uint.MaxValue || attribute.Nullable)
            throw new NotSupportedException($"{array.Path}: attribute '{attribute.Name}' is {(attribute.Nullable ? "nullable" : "variable-sized")}, which is not supported");
        int cellSize = attribute.CellSize;
        long cells = ranges.Aggregate(1L, (a, r) => checked(a * r.Count));
        if (destination.Length != cells * cellSize)
            throw new ArgumentException($"destination holds {destination.Length} bytes, the subarray needs {cells * cellSize}");
        // Fragments overwrite the cells they hold: filling those first would be a wasted pass over the result (an
        // array appended block by block is covered only by all its fragments together).
        var fill = attribute.FillValue.Length == cellSize ? attribute.FillValue : new byte[cellSize];
        var uncovered = Uncovered(array, attribute, ranges);
        if (uncovered is null) FillRun(destination, fill);
        else foreach (var box in uncovered) FillBox(destination, box, ranges, fill);

        fixed (byte* dst = destination)
        {
            nint dstAddress = (nint)dst;
            for (int f = 0; f < array.Fragments.Count; f++)
                ReadFragment(array, f, attribute, ranges, dstAddress, cellSize);
        }
    }

    /// <summary>A box of selected indices k (per dimension, both ends included) in the subarray.</summary>
    private readonly record struct IndexBox(long[] Low, long[] High);

    /// <summary>Past this many pieces the uncovered region is filled whole: fragments that scattered do not pay back the bookkeeping.</summary>
    private const int MaxUncoveredBoxes = 256;

    /// <summary>
    /// The subarray's boxes that no fragment holding the attribute covers (the subarray minus each fragment's selected
    /// indices), or null when they fragment into more than <see cref="MaxUncoveredBoxes"/> pieces.
    /// </summary>
    private static List<IndexBox>? Uncovered(TileDbArray array, TileDbAttribute attribute, IReadOnlyList<DimensionRange> ranges)
    {
        var boxes = new List<IndexBox> { new(new long[ranges.Count], ranges.Select(r => r.Count - 1).ToArray()) };
        foreach (var fragment in array.Fragments)
        {
            if (boxes.Count == 0) break;
            if (array.SchemaOf(fragment).AttributeIndex(attribute.Name) < 0 || SelectedIndices(fragment, ranges) is not { } held) continue;
            var remaining = new List<IndexBox>();
            foreach (var box in boxes) Subtract(box, held, remaining);
            if (remaining.Count > MaxUncoveredBoxes) return null;
            boxes = remaining;
        }
        return boxes;
    }

    /// <summary>The indices k of the subarray inside the fragment's non-empty domain, or null when there are none.</summary>
    private static IndexBox? SelectedIndices(FragmentMetadata fragment, IReadOnlyList<DimensionRange> ranges)
    {
        var low = new long[ranges.Count];
        var high = new long[ranges.Count];
        for (int d = 0; d < ranges.Count; d++)
        {
            var r = ranges[d];
            low[d] = Math.Max(0, CeilDiv(fragment.Low[d] - r.Start, r.Step));
            high[d] = Math.Min(r.Count - 1, FloorDiv(fragment.High[d] - r.Start, r.Step));
            if (low[d] > high[d]) return null;
        }
        return new IndexBox(low, high);
    }

    // Adds `box` minus `cut` to `into`: per dimension, the slabs of the box below and above the cut, the box then
    // narrowed to the cut's extent in that dimension before the next.
    private static void Subtract(IndexBox box, IndexBox cut, List<IndexBox> into)
    {
        int dims = box.Low.Length;
        for (int d = 0; d < dims; d++)
        {
            if (cut.High[d] < box.Low[d] || cut.Low[d] > box.High[d])
            {
                into.Add(box);
                return;
            }
        }
        var low = (long[])box.Low.Clone();
        var high = (long[])box.High.Clone();
        for (int d = 0; d < dims; d++)
        {
            if (low[d] < cut.Low[d])
            {
                var slabHigh = (long[])high.Clone();
                slabHigh[d] = cut.Low[d] - 1;
                into.Add(new IndexBox((long[])low.Clone(), slabHigh));
                low[d] = cut.Low[d];
            }
            if (high[d] > cut.High[d])
            {
                var slabLow = (long[])low.Clone();
                slabLow[d] = cut.High[d] + 1;
                into.Add(new IndexBox(slabLow, (long[])high.Clone()));
                high[d] = cut.High[d];
            }
        }
    }

    // The destination is row-major over the subarray: a box is a set of runs along the last dimension.
    private static void FillBox(Span<byte> destination, IndexBox box, IReadOnlyList<DimensionRange> ranges, byte[] fill)
    {
        int dims = ranges.Count, cellSize = fill.Length;
        var k = (long[])box.Low.Clone();
        long run = box.High[dims - 1] - box.Low[dims - 1] + 1;
        while (true)
        {
            long cell = 0;
            for (int d = 0; d < dims; d++) cell = cell * ranges[d].Count + k[d];
            FillRun(destination.Slice(checked((int)(cell * cellSize)), checked((int)(run * cellSize))), fill);
            int next = dims - 2;
            while (next >= 0 && ++k[next] > box.High[next]) { k[next] = box.Low[next]; next--; }
            if (next < 0) return;
        }
    }

    private static void FillRun(Span<byte> destination, byte[] fill)
    {
        if (fill.All(b => b == 0)) { destination.Clear(); return; }
        // Doubling copies: one memmove per power of two instead of one call per cell (float fill values are NaN).
        fill.CopyTo(destination);
        for (int filled = fill.Length; filled < destination.Length; filled *= 2)
            destination[..Math.Min(filled, destination.Length - filled)].CopyTo(destination[filled..]);
    }

    private static void ReadFragment(TileDbArray array, int fragmentIndex, TileDbAttribute attribute, IReadOnlyList<DimensionRange> ranges, nint dst, int cellSize)
    {
        var fragment = array.Fragments[fragmentIndex];
        var fragmentSchema = array.SchemaOf(fragment);
        int field = fragmentSchema.AttributeIndex(attribute.Name);
        if (field < 0) return; // attribute added after this fragment: its cells keep the fill value
        var fieldAttribute = fragmentSchema.Attributes[field];
        if (fieldAttribute.Type != attribute.Type || fieldAttribute.CellValNum != attribute.CellValNum)
            throw new NotSupportedException($"{fragment.Folder}: attribute '{attribute.Name}' changed type across schemas");

        var schemaDims = array.Schema.Dimensions;
        int dims = schemaDims.Count;
        if (SelectedIndices(fragment, ranges) is not { Low: var kLow, High: var kHigh }) return;
        var tileLow = new long[dims];
        var tileHigh = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            var r = ranges[d];
            var dim = schemaDims[d];
            tileLow[d] = (r.Start + kLow[d] * r.Step - dim.Low) / dim.TileExtent;
            tileHigh[d] = (r.Start + kHigh[d] * r.Step - dim.Low) / dim.TileExtent;
        }

        long[] offsets = array.TileOffsets(fragmentIndex, field);
        string dataFile = DataFile(fragment, fragmentSchema, field);
        long fileSize = fragment.FileSizes[field];
        var layout = new TileLayout(array.Schema, fragment);
        if (offsets.Length != layout.FragmentTileCount)
            throw new DataCorruptionException($"{fragment.Source}: {offsets.Length} tile offsets for attribute '{attribute.Name}', the domain needs {layout.FragmentTileCount}");

        var tiles = new List<long[]>();
        var tile = (long[])tileLow.Clone();
        while (true)
        {
            tiles.Add((long[])tile.Clone());
            int d = dims - 1;
            while (d >= 0 && ++tile[d] > tileHigh[d]) { tile[d] = tileLow[d]; d--; }
            if (d < 0) break;
        }
        using var handle = File.OpenHandle(dataFile);
        Parallelism.ForEach(tiles, t =>
        {
            long index = layout.FragmentTileIndex(t);
            long start = offsets[index];
            long end = index + 1 < offsets.Length ? offsets[index + 1] : fileSize;
            if (start < 0 || end < start || end > fileSize)
                throw new DataCorruptionException($"{dataFile}: tile {index} spans [{start}, {end}) outside the file ({fileSize} bytes)");
            CopyTile(array, handle, dataFile, start, end, t, layout, fieldAttribute, ranges, kLow, kHigh, fragment, dst, cellSize);
        });
    }

    private static void CopyTile(TileDbArray array, Microsoft.Win32.SafeHandles.SafeFileHandle handle, string dataFile, long start, long end, long[] tile, TileLayout layout,
        TileDbAttribute attribute, IReadOnlyList<DimensionRange> ranges, long[] kLow, long[] kHigh, FragmentMetadata fragment, nint dst, int cellSize)
    {
        int dims = tile.Length;
        var lo = new long[dims];
        var hi = new long[dims];
        var tileOrigin = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            var dim = layout.Dimensions[d];
            var r = ranges[d];
            tileOrigin[d] = dim.Low + tile[d] * dim.TileExtent;
            long first = Math.Max(tileOrigin[d], fragment.Low[d]);
            long last = Math.Min(tileOrigin[d] + dim.TileExtent - 1, fragment.High[d]);
            lo[d] = Math.Max(kLow[d], CeilDiv(first - r.Start, r.Step));
            hi[d] = Math.Min(kHigh[d], FloorDiv(last - r.Start, r.Step));
            if (lo[d] > hi[d]) return; // the step skips this tile
        }
        if (end - start > Array.MaxLength) throw new DataCorruptionException($"{dataFile}: tile at offset {start} is {end - start} bytes, more than a tile can hold");
        long CellIndex(long[] k)
        {
            long cell = 0;
            for (int d = 0; d < dims; d++) cell += (ranges[d].Start + k[d] * ranges[d].Step - tileOrigin[d]) * layout.CellStrides[d];
            return cell;
        }
        var destStrides = new long[dims];
        destStrides[dims - 1] = 1;
        for (int d = dims - 2; d >= 0; d--) destStrides[d] = destStrides[d + 1] * ranges[d + 1].Count;
        long DestinationCell(long[] k)
        {
            long cell = 0;
            for (int d = 0; d < dims; d++) cell += k[d] * destStrides[d];
            return cell;
        }
        int inner = dims - 1;
        long run = hi[inner] - lo[inner] + 1;
        long tileStep = ranges[inner].Step * layout.CellStrides[inner];
        var k = (long[])lo.Clone();
        byte* output = (byte*)dst;
        bool NextRow()
        {
            int d = inner - 1;
            while (d >= 0 && ++k[d] > hi[d]) { k[d] = lo[d]; d--; }
            return d >= 0;
        }

        List<(long From, nint To)> Rows()
        {
            var rows = new List<(long From, nint To)>();
            do rows.Add((CellIndex(k) * cellSize, (nint)(output + DestinationCell(k) * cellSize)));
            while (NextRow()); // which leaves k back at lo
            return rows;
        }

        if (tileStep == 1 && PlainTileReader.Applies(attribute.Filters))
        {
            if (PlainTileReader.TryReadRows(handle, start, end - start, layout.CellsPerTile * cellSize, FilteredTile.ChunkSize(attribute.Filters, cellSize), Rows(), run * cellSize))
                return;
            // Not the layout a writer gives such a tile: read it the general way below.
        }

        // Tiles are ~1 MiB: pooled buffers spare a large-object allocation (and its zeroing and page faults) per tile.
        int stored = (int)(end - start);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(stored);
        byte[]? scratch = null;
        try
        {
            if (RandomAccess.Read(handle, bytes.AsSpan(0, stored), start) != stored) throw new DataCorruptionException($"{dataFile}: short read at offset {start}");
            var filtered = new FilteredTile(bytes, stored, dataFile, !array.SkipChecksumValidation);
            if (filtered.OriginalLength != layout.CellsPerTile * cellSize)
                throw new DataCorruptionException($"{dataFile}: tile at offset {start} holds {filtered.OriginalLength} bytes, expected {layout.CellsPerTile * cellSize}");
            filtered.VerifyChecksumsTogether(attribute.Filters, CellIndex(lo) * cellSize, (CellIndex(hi) + 1) * cellSize);

            // A byte-shuffled tile (the store's default) unshuffles its rows straight into their places.
            if (tileStep == 1 && FilterCodec.ReversesIntoPieces(attribute.Filters) && filtered.TryDecodeRowsInto(attribute.Filters, attribute.Type, Rows(), run * cellSize))
                return;
            if (tileStep == 1)
            {
                // Rows are contiguous in the tile and come in increasing order: copy each straight out of the chunks
                // that hold it (the stored bytes themselves when unfiltered), decoding each chunk once, when first needed.
                // A chunk that lies wholly inside one row (tile rows longer than a chunk) is decoded straight into the destination.
                scratch = ArrayPool<byte>.Shared.Rent(filtered.MaxChunkLength);
                int chunk = filtered.ChunkAt(CellIndex(lo) * cellSize);
                var (chunkStart, chunkLength) = filtered.ChunkRange(chunk);
                ReadOnlySpan<byte> unfiltered = default;
                bool decoded = false;
                do
                {
                    long from = CellIndex(k) * cellSize, remaining = run * cellSize;
                    byte* to = output + DestinationCell(k) * cellSize;
                    while (remaining > 0)
                    {
                        while (from >= chunkStart + chunkLength) { (chunkStart, chunkLength) = filtered.ChunkRange(++chunk); decoded = false; }
                        int n;
                        if (!decoded && from == chunkStart && remaining >= chunkLength)
                        {
                            n = chunkLength;
                            var target = new Span<byte>(to, n);
                            var decodedChunk = filtered.Chunk(chunk, attribute.Filters, attribute.Type, target);
                            if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(decodedChunk), ref MemoryMarshal.GetReference(target))) decodedChunk.CopyTo(target);
                            from += n; to += n; remaining -= n;
                            continue;
                        }
                        if (!decoded) { unfiltered = filtered.Chunk(chunk, attribute.Filters, attribute.Type, scratch); decoded = true; }
                        n = (int)Math.Min(remaining, chunkStart + chunkLength - from);
                        unfiltered.Slice((int)(from - chunkStart), n).CopyTo(new Span<byte>(to, n));
                        from += n; to += n; remaining -= n;
                    }
                }
                while (NextRow());
                return;
            }

            // Strided rows (a step, or col-major cells): decode the span of cells they cover once, then pick cell by cell.
            long firstCell = CellIndex(lo), lastCell = CellIndex(hi);
            int neededBytes = (int)((lastCell + 1 - firstCell) * cellSize);
            scratch = ArrayPool<byte>.Shared.Rent(neededBytes);
            filtered.DecodeInto(attribute.Filters, attribute.Type, firstCell * cellSize, (lastCell + 1) * cellSize, scratch.AsSpan(0, neededBytes));
            fixed (byte* src = scratch)
            {
                do
                {
                    long srcCell = CellIndex(k) - firstCell;
                    long dstCell = DestinationCell(k);
                    for (long i = 0; i < run; i++)
                        Buffer.MemoryCopy(src + (srcCell + i * tileStep) * cellSize, output + (dstCell + i) * cellSize, cellSize, cellSize);
                }
                while (NextRow());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static string DataFile(FragmentMetadata fragment, TileDbSchema schema, int field)
    {
        // v9+: files are named by attribute index; v5-v8 by (percent-encoded from v8) attribute name.
        string name = fragment.Version >= 9 ? $"a{field}" : fragment.Version == 8 ? Uri.EscapeDataString(schema.Attributes[field].Name) : schema.Attributes[field].Name;
        string path = System.IO.Path.Combine(fragment.Folder, name + ".tdb");
        return File.Exists(path) ? path : throw new DataCorruptionException($"{fragment.Folder}: data file '{name}.tdb' of attribute '{schema.Attributes[field].Name}' is missing");
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);
}

/// <summary>Where tiles sit in a fragment (tile order over the tiles covering its non-empty domain) and cells in a tile (cell order).</summary>
internal sealed class TileLayout
{
    public IReadOnlyList<TileDbDimension> Dimensions { get; }
    public long[] CellStrides { get; }
    public long CellsPerTile { get; }
    public long FragmentTileCount { get; }
    private readonly long[] _firstTile;
    private readonly long[] _tileStrides;

    public TileLayout(TileDbSchema schema, FragmentMetadata fragment) : this(schema, fragment.Low, fragment.High) { }

    public TileLayout(TileDbSchema schema, long[] low, long[] high)
    {
        Dimensions = schema.Dimensions;
        int dims = Dimensions.Count;
        var extents = Dimensions.Select(d => d.TileExtent).ToArray();
        _firstTile = new long[dims];
        var tileCounts = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            _firstTile[d] = (low[d] - Dimensions[d].Low) / extents[d];
            tileCounts[d] = (high[d] - Dimensions[d].Low) / extents[d] - _firstTile[d] + 1;
        }
        CellStrides = Strides(extents, schema.CellOrder);
        _tileStrides = Strides(tileCounts, schema.TileOrder);
        CellsPerTile = extents.Aggregate(1L, (a, b) => checked(a * b));
        FragmentTileCount = tileCounts.Aggregate(1L, (a, b) => checked(a * b));
    }

    private static long[] Strides(long[] sizes, TileDbLayout order)
    {
        if (order is not (TileDbLayout.RowMajor or TileDbLayout.ColMajor))
            throw new NotSupportedException($"dense tile/cell order {order} is not supported");
        var strides = new long[sizes.Length];
        long stride = 1;
        if (order == TileDbLayout.RowMajor)
            for (int d = sizes.Length - 1; d >= 0; d--) { strides[d] = stride; stride = checked(stride * sizes[d]); }
        else
            for (int d = 0; d < sizes.Length; d++) { strides[d] = stride; stride = checked(stride * sizes[d]); }
        return strides;
    }

    /// <summary>Position of the tile with global tile coordinates <paramref name="tile"/> among the fragment's tiles.</summary>
    public long FragmentTileIndex(long[] tile)
    {
        long index = 0;
        for (int d = 0; d < tile.Length; d++) index += (tile[d] - _firstTile[d]) * _tileStrides[d];
        return index;
    }
}

/// <summary>Parallel loops and waits that surface the first failure itself (e.g. DataCorruptionException), not an AggregateException.</summary>
internal static class Parallelism
{
    public static void ForEach<T>(IReadOnlyList<T> items, Action<T> body) => Unwrap(() => Parallel.ForEach(items, body));

    public static void For(int count, Action<int> body) => Unwrap(() => Parallel.For(0, count, body));

    public static void Wait(Task task) => Unwrap(task.Wait);

    private static void Unwrap(Action action)
    {
        try { action(); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
