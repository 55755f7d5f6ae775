using System.Runtime.InteropServices;
using Resif.Gpu.Core;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage;

/// <summary>
/// Writes TileDB dense arrays at format version 21 (see <c>FormatVersion.Write</c> for why).
/// <para>Crash safety, in this order: (1) each data file is written and fsynced; (2) <c>__fragment_metadata.tdb</c> is
/// written under a temporary name, fsynced, renamed, and the fragment folder fsynced; (3) <c>__fragments</c> is fsynced,
/// so the folder itself is on disk; (4) the empty commit marker <c>__commits/NAME.wrt</c> is written the same way and
/// <c>__commits</c> fsynced. A power loss or a kill before (4) leaves an uncommitted folder that readers ignore; after
/// it, everything the marker points to is already on disk.</para>
/// <para>Writers of one array exclude each other (across processes) through an exclusive lock on its <c>__lock.tdb</c>,
/// which the kernel releases when a writer dies; a second writer waits up to 30 s, then fails with
/// <see cref="ArrayBusyException"/>. Readers take no lock.</para>
/// </summary>
public static class TileDbWriter
{
    /// <summary>Creates the array folder and its first schema file.</summary>
    /// <summary>The file whose exclusive lock a writer holds (TileDB creates it in every array; it stays empty).</summary>
    public const string LockFile = "__lock.tdb";

    /// <summary>
    /// Creates the array folder and its first schema file. The folder must not exist, or hold nothing but
    /// <see cref="LockFile"/> (a caller that locked the new array before creating it).
    /// </summary>
    public static void Create(string path, TileDbSchema schema)
    {
        Validate(schema);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any(e => Path.GetFileName(e) != LockFile))
            throw new IOException($"'{path}' already exists and is not empty");
        foreach (string sub in (string[])["__schema", "__fragments", "__commits", "__meta", "__fragment_meta"])
            Directory.CreateDirectory(Path.Combine(path, sub));
        if (!File.Exists(Path.Combine(path, LockFile))) File.WriteAllBytes(Path.Combine(path, LockFile), []);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string schemaName = TimestampedName.Create(now, now, null);
        WriteDurably(Path.Combine(path, "__schema", schemaName), GenericTile.Write(SchemaCodec.Write(schema)));
        Durability.FlushDirectory(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent) Durability.FlushDirectory(parent);
    }

    /// <summary>Takes the array's write lock, waiting up to <paramref name="timeout"/> (default 30 s) for another writer.</summary>
    internal static FileLock LockArray(string path, TimeSpan? timeout = null)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"array folder '{path}' does not exist");
        return FileLock.Acquire(Path.Combine(path, LockFile), timeout ?? FileLock.DefaultTimeout, $"array '{path}'");
    }

    private static void Validate(TileDbSchema schema)
    {
        if (schema.ArrayType != TileDbArrayType.Dense) throw new NotSupportedException("only dense arrays can be written");
        foreach (var d in schema.Dimensions)
        {
            if (!TileDbTypes.IsInteger(d.Type)) throw new NotSupportedException($"dimension '{d.Name}': only integer dimensions can be written");
            if (d.TileExtent <= 0 || d.TileExtent > d.Length) throw new ArgumentException($"dimension '{d.Name}': tile extent {d.TileExtent} must be in [1, {d.Length}]");
        }
        foreach (var a in schema.Attributes)
        {
            if (a.Nullable || a.CellValNum is 0 or uint.MaxValue) throw new NotSupportedException($"attribute '{a.Name}': only fixed-size, non-nullable attributes can be written");
            if (a.FillValue.Length != a.CellSize) throw new ArgumentException($"attribute '{a.Name}': fill value has {a.FillValue.Length} bytes, a cell has {a.CellSize}");
            FilterCodec.CheckSupported(a.Filters, $"attribute '{a.Name}'");
        }
    }

    /// <summary>
    /// Writes one dense fragment over <paramref name="subarray"/> (inclusive ranges, step 1): for each attribute, its
    /// cells in C order over the subarray (schema dimension order). Returns the fragment name.
    /// </summary>
    public static string WriteDense(string path, IReadOnlyList<DimensionRange> subarray, IReadOnlyDictionary<string, byte[]> attributeData)
    {
        // Pinned for the parallel tile builders, which copy rows straight out of the caller's arrays.
        var handles = attributeData.ToDictionary(kv => kv.Key, kv => GCHandle.Alloc(kv.Value, GCHandleType.Pinned), StringComparer.Ordinal);
        try
        {
            using (LockArray(path))
                return WriteDense(path, subarray, handles.ToDictionary(kv => kv.Key, kv => (kv.Value.AddrOfPinnedObject(), attributeData[kv.Key].LongLength), StringComparer.Ordinal));
        }
        finally { foreach (var handle in handles.Values) handle.Free(); }
    }

    /// <summary>As above for an array with one attribute, from a span of its values (no copy is made).</summary>
    public static string WriteDense<T>(string path, IReadOnlyList<DimensionRange> subarray, string attribute, ReadOnlySpan<T> values) where T : unmanaged
    {
        using (LockArray(path)) return WriteDenseHoldingLock(path, subarray, attribute, values);
    }

    /// <summary>For callers that already hold the array's write lock (see <see cref="LockArray"/>).</summary>
    internal static unsafe string WriteDenseHoldingLock<T>(string path, IReadOnlyList<DimensionRange> subarray, string attribute, ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        fixed (byte* data = bytes)
            return WriteDense(path, subarray, new Dictionary<string, (nint, long)>(StringComparer.Ordinal) { [attribute] = ((nint)data, bytes.Length) });
    }

    private static string WriteDense(string path, IReadOnlyList<DimensionRange> subarray, IReadOnlyDictionary<string, (nint Address, long Length)> attributeData)
    {
        var array = TileDbArray.Open(path);
        var schema = array.Schema;
        long cells = CheckSubarray(schema, subarray);
        foreach (var a in schema.Attributes)
        {
            if (!attributeData.TryGetValue(a.Name, out var data)) throw new ArgumentException($"no data for attribute '{a.Name}'");
            if (data.Length != cells * a.CellSize) throw new ArgumentException($"attribute '{a.Name}': {data.Length} bytes for {cells} cells of {a.CellSize} bytes");
        }
        foreach (string name in attributeData.Keys)
            if (schema.AttributeIndex(name) < 0) throw new ArgumentException($"the array has no attribute '{name}'");
        long[] low = subarray.Select(r => r.Start).ToArray();
        long[] high = subarray.Select(r => r.Last).ToArray();
        // Timestamps strictly increase so later writes always override earlier ones, even within one millisecond.
        long t = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), array.LatestTimestamp + 1);
        return WriteFragment(path, schema, low, high, t, t, a => (_, _) => new CellBox(attributeData[a.Name].Address, low, high));
    }

    private static long CheckSubarray(TileDbSchema schema, IReadOnlyList<DimensionRange> subarray)
    {
        int dims = schema.Dimensions.Count;
        if (subarray.Count != dims) throw new ArgumentException($"{subarray.Count} ranges for {dims} dimensions");
        long cells = 1;
        for (int d = 0; d < dims; d++)
        {
            var (r, dim) = (subarray[d], schema.Dimensions[d]);
            if (r.Step != 1 || r.Count <= 0 || r.Start < dim.Low || r.Last > dim.High)
                throw new ArgumentException($"range {r} of '{dim.Name}' is empty, strided or outside [{dim.Low}, {dim.High}]");
            cells = checked(cells * r.Count);
        }
        return cells;
    }

    /// <summary>Writes a fragment named for [t1, t2]; <paramref name="sourceFor"/> supplies each attribute's cells box by box.</summary>
    internal static string WriteFragment(string path, TileDbSchema schema, long[] low, long[] high, long t1, long t2,
        Func<TileDbAttribute, DenseTileBuilder.BoxSource> sourceFor)
    {
        if (schema.Name == ArrayDirectory.LegacySchemaFile)
            throw new NotSupportedException($"{path}: writing to arrays older than format version 10 (no __schema folder) is not supported");
        string name = TimestampedName.Create(t1, t2, FormatVersion.Write);
        string folder = Path.Combine(path, "__fragments", name);
        Directory.CreateDirectory(folder);
        var layout = new TileLayout(schema, low, high);
        var encoded = new List<FragmentMetadataWriter.AttributeTiles>();
        for (int i = 0; i < schema.Attributes.Count; i++)
        {
            var a = schema.Attributes[i];
            var offsets = new List<long>();
            var stats = new List<TileStats>();
            long position = 0;
            using (var stream = new FileStream(Path.Combine(folder, $"a{i}.tdb"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                long flushed = 0;
                DenseTileBuilder.Build(schema, layout, a, low, high, sourceFor(a), tile =>
                {
                    offsets.Add(position);
                    stats.Add(tile.Stats);
                    stream.Write(tile.Bytes);
                    position += tile.Length;
                    // Start writing back what is written so far while the next tiles are encoded: the final fsync then
                    // waits for the tail only.
                    if (position - flushed >= Durability.WritebackStep) flushed = Durability.StartWriteback(stream.SafeFileHandle, flushed, position);
                });
                stream.Flush(flushToDisk: true);
            }
            encoded.Add(new FragmentMetadataWriter.AttributeTiles(a, [.. offsets], position, [.. stats]));
        }
        byte[] fragmentMetadata = FragmentMetadataWriter.Write(schema, low, high, layout, encoded);
        WriteDurably(Path.Combine(folder, FragmentMetadata.ChecksumFileName), FragmentMetadata.Checksum(fragmentMetadata));
        WriteDurably(Path.Combine(folder, "__fragment_metadata.tdb"), fragmentMetadata);
        Durability.FlushDirectory(Path.Combine(path, "__fragments"));
        // The commit marker comes last: everything it points to is on disk before it is.
        WriteDurably(Path.Combine(path, "__commits", name + ".wrt"), []);
        return name;
    }

    /// <summary>Writes a metadata file with these entries (later files override earlier ones key by key).</summary>
    public static void WriteMetadata(string path, IReadOnlyDictionary<string, TileDbMetadataValue> entries)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Directory.CreateDirectory(Path.Combine(path, "__meta"));
        WriteDurably(Path.Combine(path, "__meta", TimestampedName.Create(now, now, null)), ArrayMetadataCodec.Serialize(entries));
    }

    /// <summary>
    /// Writes under a temporary name, flushes to disk, renames, then flushes the folder: readers never see a partial
    /// file, and once this returns the file is on disk under its name.
    /// </summary>
    internal static void WriteDurably(string file, ReadOnlySpan<byte> bytes)
    {
        string temporary = file + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, file, overwrite: true);
        Durability.FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    }
}
