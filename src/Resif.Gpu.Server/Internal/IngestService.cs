using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Grpc.Core;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// The client-streaming Ingest RPC: a header naming the array, then data chunks appended as fragments, block by block.
/// The caller's right to ingest into the named array is checked by the authentication interceptor on the header.
/// </summary>
internal sealed class IngestService(ReductionRunner runner) : V1.Ingest.IngestBase
{
    /// <summary>One stream per array at a time (keyed by the array's folder, so several servers in one process never share).</summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Writers = new(StringComparer.Ordinal);

    public override async Task<V1.IngestResponse> Ingest(IAsyncStreamReader<V1.IngestRequest> requestStream, ServerCallContext context)
    {
        if (runner.Store is not ArrayStore store)
            throw new RpcException(new Status(StatusCode.Unimplemented, "this server's store is read-only: it does not accept ingest"));
        var token = context.CancellationToken;
        if (!await requestStream.MoveNext(token).ConfigureAwait(false) || requestStream.Current.Header is not { } header)
            throw new InvalidRequestException("header", "the first message of an ingest stream must be a header naming the array");

        IngestSession.CheckName(header.Name);
        var writer = Writers.GetOrAdd(Path.Combine(store.Root, "arrays", header.Name), _ => new SemaphoreSlim(1, 1));
        if (!await writer.WaitAsync(0, token).ConfigureAwait(false))
            throw new RpcException(new Status(StatusCode.Aborted, $"array '{header.Name}' is being ingested by another stream; retry when it ends"));
        IngestSession session;
        try
        {
            // Inside the writer's lock, so the array cannot appear between this look and the first commit.
            session = IngestSession.Open(store, header);
            try
            {
                for (int index = 0; await requestStream.MoveNext(token).ConfigureAwait(false); index++)
                {
                    var chunk = requestStream.Current.Chunk
                        ?? throw new InvalidRequestException($"chunks[{index}]", "only the first message may be a header; the others must be chunks");
                    await session.AddAsync(chunk, $"chunks[{index}]").ConfigureAwait(false);
                }
                await session.CompleteAsync().ConfigureAwait(false);
            }
            catch (InvalidRequestException invalid)
            {
                // The blocks already committed stay: say so, with how much that is.
                await session.DrainAsync().ConfigureAwait(false);
                throw new InvalidRequestException(invalid.Field, $"{invalid.Reason} (this stream committed {session.SamplesCommitted} samples before it, which are kept)");
            }
            finally
            {
                await session.DrainAsync().ConfigureAwait(false);
                session.RecordGaps();
            }
        }
        finally
        {
            writer.Release();
        }
        return session.Response();
    }
}

/// <summary>
/// One ingest stream into one array: chunks are copied into a [channels, block] buffer; each full block is appended as a
/// fragment while the next one fills (two buffers, so memory stays at a few MB whatever the stream's length). The
/// array is created when its first block commits, so a stream that commits nothing leaves nothing behind.
/// </summary>
internal sealed class IngestSession
{
    /// <summary>Bytes per block (one fragment). Blocks hold a power-of-two multiple or fraction of the time tile, so
    /// fragments of a long stream end on tile boundaries.</summary>
    private const long BlockBytes = 4L << 20;

    /// <summary>A jump forward is filled with NaN block by block; beyond this many values it is refused (start a new array).</summary>
    private const long MaxGapValues = 1L << 28;

    private const string GapsKey = "ingest_gaps";

    /// <summary>Keys <see cref="ArrayStore"/> keeps for the coordinates.</summary>
    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal) { "dt", "t0", "x0", "dx", "units", "distance_units", "samples" };

    private readonly ArrayStore _store;
    private readonly string _name;
    private readonly int _channels;
    private readonly ArrayCoordinates? _create;
    private readonly Dictionary<string, string> _metadata;
    private readonly V1.DataType _dtype;
    private readonly float _scale;
    private readonly double _timeStep;
    private readonly int _blockSamples;
    private readonly List<(long Start, long Count)> _gaps = [];
    private float[] _buffer;
    private float[]? _spare;
    private int _filled;
    private long _next;
    private Task _pending = Task.CompletedTask;
    private bool _exists;
    private bool _created;
    private long _fragments;

    private IngestSession(ArrayStore store, string name, int channels, ArrayCoordinates? create, Dictionary<string, string> metadata,
        V1.DataType dtype, float scale, double timeStep, long firstSample)
    {
        (_store, _name, _channels, _create, _metadata, _dtype, _scale, _timeStep) = (store, name, channels, create, metadata, dtype, scale, timeStep);
        _exists = create is null;
        FirstSample = _next = firstSample;
        long perTile = channels * ArrayStore.TimeTileExtent * sizeof(float);
        _blockSamples = (int)(perTile <= BlockBytes
            ? BlockBytes / perTile * ArrayStore.TimeTileExtent
            : Math.Max(1, ArrayStore.TimeTileExtent >> (int)Math.Ceiling(Math.Log2((double)perTile / BlockBytes))));
        _buffer = new float[(long)channels * _blockSamples];
    }

    public long FirstSample { get; }

    /// <summary>Samples of every channel this stream has appended so far (gaps included).</summary>
    public long SamplesCommitted { get; private set; }

    public static void CheckName(string name)
    {
        if (!ArrayStore.IsValidName(name))
            throw new InvalidRequestException("header.name", $"'{name}' is not a valid array name: 1-128 characters [A-Za-z0-9._-], starting with a letter or digit, without '..'");
    }

    public static IngestSession Open(ArrayStore store, V1.IngestHeader header)
    {
        var dtype = header.Dtype == V1.DataType.Unspecified ? V1.DataType.Float32 : header.Dtype;
        if (dtype is not (V1.DataType.Float32 or V1.DataType.Int16 or V1.DataType.Int32))
            throw new InvalidRequestException("header.dtype", $"{header.Dtype} is not accepted: send FLOAT32, INT16 or INT32");
        if (!double.IsFinite(header.Scale)) throw new InvalidRequestException("header.scale", "must be finite");
        float scale = header.Scale == 0 ? 1f : (float)header.Scale;
        // One sample of every channel must fit in a block, which bounds the stream's memory.
        if (header.Channels < 0 || header.Channels > BlockBytes / sizeof(float))
            throw new InvalidRequestException("header.channels", $"must be in [1, {BlockBytes / sizeof(float)}], got {header.Channels}");
        if (header.TimeStep < 0 || !double.IsFinite(header.TimeStep)) throw new InvalidRequestException("header.time_step", $"must be a positive number of seconds, got {header.TimeStep}");

        if (store.List().Contains(header.Name))
        {
            var layout = store.Describe(header.Name).Layout;
            if (header.Channels != 0 && header.Channels != layout.Shape[0])
                throw new InvalidRequestException("header.channels", $"array '{header.Name}' has {layout.Shape[0]} channels, the header says {header.Channels}");
            double step = layout.Coords[1].Step;
            if (header.TimeStep != 0 && Math.Abs(header.TimeStep - step) > 1e-9 * step)
                throw new InvalidRequestException("header.time_step", string.Create(CultureInfo.InvariantCulture, $"array '{header.Name}' has {step:R} s between samples, the header says {header.TimeStep:R}"));
            return new IngestSession(store, header.Name, (int)layout.Shape[0], null, [], dtype, scale, step, layout.Shape[1]);
        }

        if (header.Channels == 0) throw new InvalidRequestException("header.channels", $"array '{header.Name}' does not exist: give channels (and time_step) to create it");
        if (header.TimeStep == 0) throw new InvalidRequestException("header.time_step", $"array '{header.Name}' does not exist: give time_step (s) to create it");
        var origin = DateTimeOffset.UnixEpoch;
        if (header.TimeOrigin.Length > 0 && !DateTimeOffset.TryParse(header.TimeOrigin, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out origin))
            throw new InvalidRequestException("header.time_origin", $"'{header.TimeOrigin}' is not an ISO 8601 instant");
        if (!double.IsFinite(header.DistanceStart) || !double.IsFinite(header.DistanceStep))
            throw new InvalidRequestException("header.distance_step", "distance start and step must be finite");
        foreach (string key in header.Metadata.Keys)
            if (key.Length == 0 || ReservedKeys.Contains(key)) throw new InvalidRequestException($"header.metadata.{key}", "this key is empty or reserved for the coordinates");
        var coordinates = new ArrayCoordinates(header.TimeStep, origin, header.DistanceStart, header.DistanceStep == 0 ? 1 : header.DistanceStep,
            header.Units.Length > 0 ? header.Units : "unknown", header.DistanceUnits.Length > 0 ? header.DistanceUnits : "m");
        var metadata = new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal) { ["source"] = "ingest RPC" };
        if (dtype != V1.DataType.Float32)
        {
            metadata["raw_dtype"] = dtype == V1.DataType.Int16 ? "int16" : "int32";
            metadata["raw_scale"] = scale.ToString("R", CultureInfo.InvariantCulture);
        }
        return new IngestSession(store, header.Name, (int)header.Channels, coordinates, metadata, dtype, scale, header.TimeStep, 0);
    }

    /// <summary>Places one chunk after what came before (NaN over a jump forward), committing every block it completes.</summary>
    public async Task AddAsync(V1.IngestChunk chunk, string field)
    {
        if (chunk.Channels != _channels) throw new InvalidRequestException($"{field}.channels", $"array '{_name}' has {_channels} channels, the chunk says {chunk.Channels}");
        if (chunk.Dtype != V1.DataType.Unspecified && chunk.Dtype != _dtype)
            throw new InvalidRequestException($"{field}.dtype", $"the stream's header declared {_dtype}, the chunk says {chunk.Dtype}");
        int size = _dtype == V1.DataType.Int16 ? sizeof(short) : sizeof(float);
        int rowBytes = chunk.Data.Length / _channels;
        if (chunk.Data.Length == 0 || chunk.Data.Length % ((long)_channels * size) != 0)
            throw new InvalidRequestException($"{field}.data", $"{chunk.Data.Length} bytes is not a whole, non-zero number of samples of {_channels} channels x {size} bytes");
        int samples = rowBytes / size;
        long start = chunk.PositionCase == V1.IngestChunk.PositionOneofCase.TimeIndex ? chunk.TimeIndex : _next;
        if (start < _next)
            throw new InvalidRequestException($"{field}.time_index", $"{start} goes back before sample {_next}, which is already stored or received: chunks must move forward");
        // Compared per channel, so a huge index cannot overflow the product into a small gap.
        if (start - _next > MaxGapValues / _channels)
            throw new InvalidRequestException($"{field}.time_index", $"a gap of {start - _next} samples is too long to fill with NaN (at most {MaxGapValues / _channels}): ingest into a new array");
        if (start > _next)
        {
            _gaps.Add((_next, start - _next));
            await PlaceAsync((start - _next), (row, offset, destination) => destination.Fill(float.NaN)).ConfigureAwait(false);
        }
        var data = chunk.Data.Memory;
        await PlaceAsync(samples, (row, offset, destination) =>
        {
            var source = data.Span.Slice(row * rowBytes + offset * size, destination.Length * size);
            switch (_dtype)
            {
                case V1.DataType.Int16:
                    TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, short>(source), destination);
                    break;
                case V1.DataType.Int32:
                    TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, int>(source), destination);
                    break;
                default:
                    MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                    return;
            }
            if (_scale != 1) TensorPrimitives.Multiply(destination, _scale, destination);
        }).ConfigureAwait(false);
    }

    /// <summary>Writes samples [offset, offset + destination.Length) of channel row into destination.</summary>
    private delegate void RowSource(int row, int offset, Span<float> destination);

    private async Task PlaceAsync(long samples, RowSource source)
    {
        for (long done = 0; done < samples;)
        {
            int count = (int)Math.Min(samples - done, _blockSamples - _filled);
            for (int c = 0; c < _channels; c++) source(c, (int)done, _buffer.AsSpan(c * _blockSamples + _filled, count));
            (_filled, done, _next) = (_filled + count, done + count, _next + count);
            if (_filled == _blockSamples) await CommitAsync(_buffer, _blockSamples).ConfigureAwait(false);
        }
    }

    /// <summary>The stream ended cleanly: the last, partial block is whole from the client's side and commits too.</summary>
    public async Task CompleteAsync()
    {
        if (_filled == 0) return;
        var compact = new float[(long)_channels * _filled];
        for (int c = 0; c < _channels; c++) _buffer.AsSpan(c * _blockSamples, _filled).CopyTo(compact.AsSpan(c * _filled));
        await CommitAsync(compact, _filled).ConfigureAwait(false);
    }

    /// <summary>Starts appending a block once the previous one is stored (appends go in order); the next block fills meanwhile.</summary>
    private async Task CommitAsync(float[] block, int samples)
    {
        await _pending.ConfigureAwait(false);
        _pending = Task.Run(() =>
        {
            if (!_exists)
            {
                _store.Create(_name, _channels, 0, _create!, _metadata);
                (_exists, _created) = (true, true);
            }
            _store.AppendTimeBlock(_name, block, _channels, samples);
            SamplesCommitted += samples;
            _fragments++;
        });
        if (ReferenceEquals(block, _buffer)) (_buffer, _spare) = (_spare ?? new float[_buffer.Length], _buffer);
        _filled = 0;
    }

    /// <summary>Waits for the block being stored; a failure there (disk full, corrupt array) surfaces here.</summary>
    public Task DrainAsync() => _pending;

    /// <summary>Adds the gaps this stream committed to the array's <c>ingest_gaps</c> metadata (the CLI's format).</summary>
    public void RecordGaps()
    {
        long end = FirstSample + SamplesCommitted;
        var committed = _gaps.Where(g => g.Start < end).Select(g => (g.Start, Count: Math.Min(g.Count, end - g.Start))).ToList();
        if (committed.Count == 0) return;
        var info = _store.Describe(_name);
        var origin = info.Layout.Coords[1].Origin ?? DateTimeOffset.UnixEpoch;
        var all = info.Metadata.TryGetValue(GapsKey, out string? previous)
            ? JsonSerializer.Deserialize<List<Dictionary<string, object>>>(previous) ?? [] : [];
        all.AddRange(committed.Select(g => new Dictionary<string, object>
        {
            ["start"] = (origin + TimeSpan.FromSeconds(g.Start * _timeStep)).ToString("O", CultureInfo.InvariantCulture),
            ["seconds"] = g.Count * _timeStep,
            ["samples"] = g.Count,
            ["after"] = "ingest stream",
            ["before"] = "ingest stream",
        }));
        TileDbWriter.WriteMetadata(_store.PathOf(_name), new Dictionary<string, TileDbMetadataValue> { [GapsKey] = TileDbMetadataValue.FromString(JsonSerializer.Serialize(all)) });
    }

    public V1.IngestResponse Response() => new()
    {
        Name = _name,
        Created = _created,
        FirstSample = FirstSample,
        SamplesCommitted = SamplesCommitted,
        FragmentsCommitted = _fragments,
        GapSamples = _gaps.Sum(g => g.Count),
        ArraySamples = FirstSample + SamplesCommitted,
    };
}
