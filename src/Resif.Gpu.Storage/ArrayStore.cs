using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Resif.Gpu.Core;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage;

/// <summary>How array indices map to physical coordinates: time = t0 + i*dt (s), distance = x0 + j*dx.</summary>
public sealed record ArrayCoordinates(double TimeStep, DateTimeOffset TimeOrigin, double DistanceStart, double DistanceStep,
    string DataUnits = "strain_rate", string DistanceUnits = "m");

/// <summary>
/// The embedded catalog: each array is a TileDB dense array in <c>ROOT/arrays/NAME/</c> with dimensions
/// <c>channel</c> and <c>time</c> (int64) and one float32 attribute <c>data</c> (zstd, each frame with its content checksum). Live data
/// arrives as fragments appended along time; coordinates and units live in the array metadata so any TileDB client
/// reads them too.
/// </summary>
public sealed partial class ArrayStore(string root) : IArrayStore
{
    /// <summary>The time domain is [0, 2^40): about 35 years at 1 kHz, room to append without ever resizing.</summary>
    public const long TimeDomainLength = 1L << 40;

    /// <summary>32 channels x 8192 samples x 4 bytes = 1 MiB tiles: a few seconds of a channel group per tile.</summary>
    public const long ChannelTileExtent = 32, TimeTileExtent = 8192;

    public const string AttributeName = "data";

    /// <summary>
    /// Arrays named with this prefix are being written (<see cref="CreateStaged"/>, renamed when complete): they are
    /// never listed, so an ingest killed part-way leaves nothing visible. Their writer holds their write lock until
    /// then; folders whose lock is free belong to dead writers and are removed by <see cref="RemoveStaleStaging"/>.
    /// </summary>
    public const string StagingPrefix = "incomplete-";

    /// <summary>Prefix of the hidden folders in which <see cref="Create"/> builds an array before renaming it.</summary>
    private const string CreatingPrefix = ".creating-";

    private const string KeyTimeStep = "dt", KeyTimeOrigin = "t0", KeyDistanceStart = "x0", KeyDistanceStep = "dx",
        KeyUnits = "units", KeyDistanceUnits = "distance_units", KeySamples = "samples";

    private static readonly string[] ReservedKeys = [KeyTimeStep, KeyTimeOrigin, KeyDistanceStart, KeyDistanceStep, KeyUnits, KeyDistanceUnits, KeySamples];

    /// <summary>Serializes creating and publishing names in this process (array writes exclude each other by file lock).</summary>
    private readonly Lock _namesLock = new();

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>
    /// Read arrays without checking their checksum filters (SHA-256, MD5; default false: check). Only for file systems
    /// that checksum every block themselves (ZFS, Ceph): there damage is already caught below us, and a SHA-256 filter
    /// is about a quarter of a read's CPU. zstd's content checksums are always checked (a few per cent of the decode).
    /// See <see cref="TileDbArray.SkipChecksumValidation"/>.
    /// </summary>
    public bool SkipChecksumValidation { get; init; }

    /// <summary>How long a write waits for another writer of the same array (this process or another) before <see cref="ArrayBusyException"/>.</summary>
    public TimeSpan WriteLockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    private string ArraysFolder => Path.Combine(Root, "arrays");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>Folder of an existing array; an invalid or unknown name is <see cref="ArrayNotFoundException"/>.</summary>
    public string PathOf(string name)
    {
        if (!IsValidName(name)) throw new ArrayNotFoundException(name);
        string path = Path.Combine(ArraysFolder, name);
        return Directory.Exists(Path.Combine(path, "__schema")) ? path : throw new ArrayNotFoundException(name);
    }

    public IReadOnlyList<string> List() => Directory.Exists(ArraysFolder)
        ? Directory.EnumerateDirectories(ArraysFolder).Select(Path.GetFileName).OfType<string>()
            .Where(n => IsValidName(n) && !n.StartsWith(StagingPrefix, StringComparison.Ordinal) && Directory.Exists(Path.Combine(ArraysFolder, n, "__schema"))).Order(StringComparer.Ordinal).ToList()
        : [];

    /// <summary>
    /// What the store writes by default: a byte shuffle then zstd level 3, one chunk per tile, each chunk's frame carrying
    /// zstd's content checksum (XXH64 of the decoded bytes, checked by every zstd decoder, real TileDB's included), so
    /// damage is detected, not read. The shuffle puts byte k of every sample together: the exponent bytes compress
    /// well and the noise-like low mantissa bytes go into zstd's raw blocks, which decode as a copy; over a whole tile
    /// (planes of 256 KiB) that gave 9–22 % smaller files than plain zstd on 7 of the 8 vendor files of the
    /// conformance set, decoding 1.3–3.6 times as fast (bench/README, "Eleventh session"). Add <c>+sha256</c> where
    /// a TileDB tool must see a checksum filter in the schema.
    /// </summary>
    public static TileDbFilterPipeline DefaultDataFilters { get; } = DataFilters(3);

    /// <summary>
    /// The store's pipeline at another zstd level: any level reads back the same way (TileDB decompresses without
    /// knowing it); lower levels write faster and compress less.
    /// </summary>
    public static TileDbFilterPipeline DataFilters(int zstdLevel) =>
        zstdLevel is >= MinZstdLevel and <= MaxZstdLevel
            ? StorePipeline([new TileDbFilter(TileDbFilterType.ByteShuffle), new TileDbFilter(TileDbFilterType.Zstd, zstdLevel)])
            : throw new InvalidRequestException("zstd_level", $"must be in [{MinZstdLevel}, {MaxZstdLevel}], got {zstdLevel}");

    /// <summary>Bytes in one data tile (float32 cells).</summary>
    public const uint TileBytes = (uint)(ChannelTileExtent * TimeTileExtent * sizeof(float));

    /// <summary>
    /// A data pipeline as the store writes it: TileDB's 64 KiB chunks, but one chunk per tile behind a byte shuffle
    /// (whose planes then span the tile: a shuffle over 64 KiB chunks compressed less and decoded at half the speed).
    /// Readers take chunk sizes from each tile, so real TileDB reads either.
    /// </summary>
    private static TileDbFilterPipeline StorePipeline(IReadOnlyList<TileDbFilter> filters) =>
        new(filters.Any(f => f.Type == TileDbFilterType.ByteShuffle) ? TileBytes : TileDbFilterPipeline.DefaultMaxChunkSize, filters);

    /// <summary>zstd's positive levels (its negative fast modes are left out: this engine reads level -1 as "default").</summary>
    public const int MinZstdLevel = 1, MaxZstdLevel = 22;

    /// <summary>The store's array schema: int64 <c>channel</c> x <c>time</c>, one float32 attribute with these filters.</summary>
    public static TileDbSchema DasSchema(long channels, TileDbFilterPipeline dataFilters) =>
        new(0, TileDbArrayType.Dense, TileDbLayout.RowMajor, TileDbLayout.RowMajor, 10000, false,
            TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, -1)), TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Zstd, -1)),
            TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Rle, -1)),
            [
                new TileDbDimension("channel", TileDbDatatype.Int64, 0, channels - 1, Math.Min(ChannelTileExtent, channels), TileDbFilterPipeline.Empty),
                new TileDbDimension("time", TileDbDatatype.Int64, 0, TimeDomainLength - 1, TimeTileExtent, TileDbFilterPipeline.Empty),
            ],
            [new TileDbAttribute(AttributeName, TileDbDatatype.Float32, 1, dataFilters, BitConverter.GetBytes(float.NaN))]);

    public ArrayInfo Create(string name, long channels, long samples, ArrayCoordinates coords, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using (Materialize(name, channels, samples, coords, metadata, DefaultDataFilters)) { }
        return Describe(name);
    }

    /// <summary>
    /// Creates an array under a hidden name (<see cref="StagingPrefix"/>) that the caller fills with
    /// <see cref="ArrayWriteSession.Append"/> and publishes under its real name when complete; disposing it unpublished
    /// deletes it. The returned object holds the array's write lock: while its process lives, nobody removes it.
    /// <paramref name="dataFilters"/> (default <see cref="DefaultDataFilters"/>) becomes the array's data pipeline, which
    /// later appends keep: an ingest may trade ratio for speed (see <see cref="DataFilters"/>).
    /// </summary>
    public ArrayWriteSession CreateStaged(long channels, ArrayCoordinates coords, IReadOnlyDictionary<string, string>? metadata = null,
        TileDbFilterPipeline? dataFilters = null)
    {
        string name = StagingPrefix + Guid.NewGuid().ToString("N");
        return new ArrayWriteSession(this, name, Materialize(name, channels, 0, coords, metadata, dataFilters ?? DefaultDataFilters), staged: true);
    }

    /// <summary>
    /// Takes the array's write lock (waiting up to <see cref="WriteLockTimeout"/>) for a sequence of appends that no
    /// other writer can interleave with, and that <see cref="ArrayWriteSession.Rollback"/> can undo.
    /// </summary>
    public ArrayWriteSession OpenWriteSession(string name)
    {
        string path = PathOf(name);
        return new ArrayWriteSession(this, name, TileDbWriter.LockArray(path, WriteLockTimeout), staged: false);
    }

    /// <summary>
    /// Builds the array in a hidden sibling folder whose write lock is taken before anything is in it, renames it to
    /// its name (a half-created array is never listed) and returns the lock, still held. Stale staging folders left
    /// by dead writers are removed first.
    /// </summary>
    private FileLock Materialize(string name, long channels, long samples, ArrayCoordinates coords, IReadOnlyDictionary<string, string>? metadata,
        TileDbFilterPipeline dataFilters)
    {
        if (!IsValidName(name)) throw new InvalidRequestException("name", $"'{name}' is not a valid array name: use 1-128 characters [A-Za-z0-9._-], starting with a letter or digit, without '..'");
        if (channels is <= 0 or > int.MaxValue) throw new InvalidRequestException("channels", $"must be in [1, {int.MaxValue}], got {channels}");
        if (samples is < 0 or >= TimeDomainLength) throw new InvalidRequestException("samples", $"must be in [0, 2^40), got {samples}");
        if (!(coords.TimeStep > 0) || !double.IsFinite(coords.TimeStep)) throw new InvalidRequestException("coords.time_step", $"must be a positive number of seconds, got {coords.TimeStep}");
        if (!double.IsFinite(coords.DistanceStart) || !double.IsFinite(coords.DistanceStep)) throw new InvalidRequestException("coords.distance", "start and step must be finite");
        foreach (string key in metadata?.Keys ?? [])
            if (ReservedKeys.Contains(key) || key.Length == 0) throw new InvalidRequestException($"metadata.{key}", "this key is empty or reserved for coordinates");

        lock (_namesLock)
        {
            RemoveStaleStaging();
            string path = Path.Combine(ArraysFolder, name);
            if (Directory.Exists(path)) throw new InvalidRequestException("name", $"array '{name}' already exists");
            string staging = Path.Combine(ArraysFolder, $"{CreatingPrefix}{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            var held = FileLock.Acquire(Path.Combine(staging, TileDbWriter.LockFile), WriteLockTimeout, $"array '{name}'");
            try
            {
                TileDbWriter.Create(staging, DasSchema(channels, dataFilters));
                var entries = new Dictionary<string, TileDbMetadataValue>
                {
                    [KeyTimeStep] = TileDbMetadataValue.FromDoubles(coords.TimeStep),
                    [KeyTimeOrigin] = TileDbMetadataValue.FromString(coords.TimeOrigin.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
                    [KeyDistanceStart] = TileDbMetadataValue.FromDoubles(coords.DistanceStart),
                    [KeyDistanceStep] = TileDbMetadataValue.FromDoubles(coords.DistanceStep),
                    [KeyUnits] = TileDbMetadataValue.FromString(coords.DataUnits),
                    [KeyDistanceUnits] = TileDbMetadataValue.FromString(coords.DistanceUnits),
                    [KeySamples] = new TileDbMetadataValue(TileDbDatatype.Int64, 1, BitConverter.GetBytes(samples)),
                };
                foreach (var (key, value) in metadata ?? new Dictionary<string, string>()) entries[key] = TileDbMetadataValue.FromString(value);
                TileDbWriter.WriteMetadata(staging, entries);
                Directory.Move(staging, path);
                Durability.FlushDirectory(ArraysFolder);
                return held;
            }
            catch
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                held.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Deletes staging folders (<see cref="StagingPrefix"/>, and hidden folders of creations under way) whose writer is
    /// provably gone: their write lock is free, which the kernel guarantees once the writer's process has died. A
    /// folder whose lock is held, or that has no lock file yet, is left alone. Returns the folder names removed.
    /// </summary>
    public IReadOnlyList<string> RemoveStaleStaging()
    {
        if (!Directory.Exists(ArraysFolder)) return [];
        var removed = new List<string>();
        foreach (string folder in Directory.EnumerateDirectories(ArraysFolder))
        {
            string name = Path.GetFileName(folder);
            if (!name.StartsWith(StagingPrefix, StringComparison.Ordinal) && !name.StartsWith(CreatingPrefix, StringComparison.Ordinal)) continue;
            using var orphan = FileLock.TryAcquire(Path.Combine(folder, TileDbWriter.LockFile), create: false);
            if (orphan is null) continue;
            Directory.Delete(folder, recursive: true);
            removed.Add(name);
        }
        return removed;
    }

    /// <summary>
    /// Appends <paramref name="samples"/> samples of every channel (C-order [channel, time]) after the current end
    /// of the array, as one new fragment.
    /// </summary>
    public void AppendTimeBlock(string name, float[] data, long channels, long samples)
    {
        string path = PathOf(name);
        // Reading the array's end and writing after it happen under its write lock: two ingests cannot both append at one place.
        using (TileDbWriter.LockArray(path, WriteLockTimeout))
            AppendHoldingLock(name, path, data, channels, samples);
    }

    private static string AppendHoldingLock(string name, string path, float[] data, long channels, long samples)
    {
        var array = TileDbArray.Open(path);
        long arrayChannels = array.Schema.Dimensions[0].Length;
        if (channels != arrayChannels) throw new InvalidRequestException("channels", $"array '{name}' has {arrayChannels} channels, the block has {channels}");
        if (samples <= 0) throw new InvalidRequestException("samples", $"must be positive, got {samples}");
        if (data.LongLength != channels * samples) throw new InvalidRequestException("data", $"{data.LongLength} values for {channels} x {samples}");
        long start = WrittenSamples(array);
        if (start + samples > TimeDomainLength) throw new InvalidRequestException("samples", "the array's time domain is full");
        return TileDbWriter.WriteDenseHoldingLock(path, [new DimensionRange(0, channels), new DimensionRange(start, samples)], AttributeName, data.AsSpan());
    }

    /// <summary>Merges the array's appended fragments into one (readers opened before keep working on their snapshot
    /// until vacuuming removes the old files, so only call this when no long-lived source is open).</summary>
    public void Consolidate(string name, bool vacuum = true)
    {
        string path = PathOf(name);
        using (TileDbWriter.LockArray(path, WriteLockTimeout))
            TileDbConsolidator.ConsolidateHoldingLock(path, vacuum);
    }

    private static long WrittenSamples(TileDbArray array) => array.NonEmptyDomain is { } domain ? domain[1].High + 1 : 0;

    public ArrayInfo Describe(string name) => Describe(name, TileDbArray.Open(PathOf(name)));

    private static ArrayInfo Describe(string name, TileDbArray array)
    {
        if (array.Schema.Dimensions.Count != 2 || array.Schema.AttributeIndex(AttributeName) < 0 || array.Schema.Attributes[0].Type != TileDbDatatype.Float32)
            throw new DataCorruptionException($"array '{name}' is not a [channel, time] float32 array");
        var meta = array.Metadata;
        double Number(string key) => meta.TryGetValue(key, out var v) && v.Type == TileDbDatatype.Float64 && v.Count == 1
            ? v.As<double>()[0] : throw new DataCorruptionException($"array '{name}': metadata '{key}' is missing or not one float64");
        string Text(string key) => meta.TryGetValue(key, out var v) && v.AsString() is { } s ? s : throw new DataCorruptionException($"array '{name}': metadata '{key}' is missing or not a string");
        long declared = meta.TryGetValue(KeySamples, out var s) && s.Type == TileDbDatatype.Int64 ? s.As<long>()[0] : 0;
        if (declared < 0 || declared > array.Schema.Dimensions[1].Length)
            throw new DataCorruptionException($"array '{name}': metadata '{KeySamples}' = {declared} does not fit the time domain of {array.Schema.Dimensions[1].Length} samples");
        long channels = array.Schema.Dimensions[0].Length;
        long samples = Math.Max(declared, WrittenSamples(array));
        if (!DateTimeOffset.TryParse(Text(KeyTimeOrigin), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var origin))
            throw new DataCorruptionException($"array '{name}': metadata 't0' is not a timestamp");
        var layout = new TensorLayout(["channel", "time"], [channels, samples],
            [
                new Coordinate("channel", Text(KeyDistanceUnits), channels, Number(KeyDistanceStart), Number(KeyDistanceStep)),
                new Coordinate("time", "s", samples, 0, Number(KeyTimeStep)) { Origin = origin },
            ], Text(KeyUnits));
        var strings = meta.Where(kv => kv.Value.IsString).ToDictionary(kv => kv.Key, kv => kv.Value.AsString()!, StringComparer.Ordinal);
        return new ArrayInfo(name, layout, strings);
    }

    public IArraySource Open(string name)
    {
        string path = PathOf(name);
        var array = TileDbArray.Open(path, SkipChecksumValidation);
        return new Source(array, Describe(name, array));
    }

    private sealed class Source(TileDbArray array, ArrayInfo info) : IArraySource
    {
        public ArrayInfo Info => info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            long channels = info.Layout.Shape[0], samples = info.Layout.Shape[1];
            if (channelCount <= 0 || channelStep <= 0 || channelStart < 0 || channelStart + (channelCount - 1) * channelStep >= channels)
                throw new InvalidRequestException("selection.channels", $"start {channelStart}, count {channelCount}, step {channelStep} is outside [0, {channels})");
            if (timeCount <= 0 || timeStart < 0 || timeStart + timeCount > samples)
                throw new InvalidRequestException("selection.time", $"start {timeStart}, count {timeCount} is outside [0, {samples})");
            if (destination.Length != channelCount * timeCount)
                throw new ArgumentException($"destination holds {destination.Length} values, the selection has {channelCount * timeCount}");
            array.ReadDense(AttributeName, [new DimensionRange(channelStart, channelCount, channelStep), new DimensionRange(timeStart, timeCount)],
                MemoryMarshal.AsBytes(destination));
        }

        public void Dispose() { }
    }

    /// <summary>
    /// Appends to one array under its write lock, held until disposed: from <see cref="OpenWriteSession"/> (an existing
    /// array) or <see cref="CreateStaged"/> (a new array under a hidden name, published at the end or deleted).
    /// </summary>
    public sealed class ArrayWriteSession : IDisposable
    {
        private readonly ArrayStore _store;
        private readonly bool _staged;
        private readonly List<string> _fragments = [];
        private FileLock? _lock;

        internal ArrayWriteSession(ArrayStore store, string name, FileLock held, bool staged) => (_store, Name, _lock, _staged) = (store, name, held, staged);

        /// <summary>The array's name; for a staged array, its hidden name (<see cref="StagingPrefix"/>...).</summary>
        public string Name { get; }

        public bool IsPublished { get; private set; }

        /// <summary>As <see cref="AppendTimeBlock"/>, under the lock this session holds.</summary>
        public void Append(float[] data, long channels, long samples)
        {
            ObjectDisposedException.ThrowIf(_lock is null, this);
            if (IsPublished) throw new InvalidOperationException($"'{Name}' is already published");
            _fragments.Add(AppendHoldingLock(Name, _store.PathOf(Name), data, channels, samples));
        }

        /// <summary>Removes the fragments this session appended (commit markers first, flushed before any folder goes).</summary>
        public void Rollback()
        {
            ObjectDisposedException.ThrowIf(_lock is null, this);
            string path = _store.PathOf(Name);
            foreach (string fragment in _fragments) File.Delete(Path.Combine(path, "__commits", fragment + ".wrt"));
            Durability.FlushDirectory(Path.Combine(path, "__commits"));
            foreach (string fragment in _fragments)
                if (Directory.Exists(Path.Combine(path, "__fragments", fragment))) Directory.Delete(Path.Combine(path, "__fragments", fragment), recursive: true);
            _fragments.Clear();
        }

        /// <summary>A staged array: renames it to <paramref name="name"/>, which makes it visible, and releases its lock.</summary>
        public void Publish(string name)
        {
            ObjectDisposedException.ThrowIf(_lock is null, this);
            if (!_staged) throw new InvalidOperationException($"'{Name}' is not a staged array");
            if (!IsValidName(name) || name.StartsWith(StagingPrefix, StringComparison.Ordinal))
                throw new InvalidRequestException("name", $"'{name}' is not a valid array name");
            lock (_store._namesLock)
            {
                string target = Path.Combine(_store.ArraysFolder, name);
                if (Directory.Exists(target)) throw new InvalidRequestException("name", $"array '{name}' already exists");
                Directory.Move(_store.PathOf(Name), target);
                Durability.FlushDirectory(_store.ArraysFolder);
                IsPublished = true;
            }
            Dispose();
        }

        /// <summary>Releases the lock; a staged array that was not published is deleted first (an abandoned ingest leaves nothing).</summary>
        public void Dispose()
        {
            if (_lock is null) return;
            try
            {
                string path = Path.Combine(_store.ArraysFolder, Name);
                if (_staged && !IsPublished && Directory.Exists(path)) Directory.Delete(path, recursive: true);
            }
            finally
            {
                _lock.Dispose();
                _lock = null;
            }
        }
    }
}
