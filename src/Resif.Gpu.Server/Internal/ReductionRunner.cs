using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// Plans and runs one wire request against a store and a backend, answering wire messages: the result in the
/// requested element type, optionally zstd-compressed, with progress (fraction, bytes, ETA). The gRPC service streams
/// them; the CLI's embedded path consumes them directly, so both give the same bytes.
/// </summary>
internal sealed class ReductionRunner
{
    /// <summary>
    /// zstd's fastest level that still compresses DAS float32 (negative levels leave it as it is): samples are mostly
    /// noise, so higher levels gain little (measured on noise plus tones: float32 shrinks to ~92% at levels 1 and 3,
    /// auto-scaled int16 not at all) and compression speed limits the stream.
    /// </summary>
    private const int CompressionLevel = 1;

    private readonly IArrayStore _store;
    private readonly IBackend _backend;
    private readonly long _defaultOutputBudget;

    public ReductionRunner(IArrayStore store, OperationRegistry registry, IBackend backend, long defaultOutputBudget, ServerMetrics? metrics = null)
    {
        _store = store;
        Registry = registry;
        _backend = backend;
        _defaultOutputBudget = defaultOutputBudget;
        Metrics = metrics ?? new ServerMetrics();
    }

    public IArrayStore Store => _store;

    public OperationRegistry Registry { get; }

    public IBackend Backend => _backend;

    public ServerMetrics Metrics { get; }

    private sealed record Prepared(ReductionPlan Plan, WireEncoding Encoding, long WireBytes, long Budget);

    /// <summary>Validates and plans; reads no data.</summary>
    private Prepared Prepare(V1.ReduceRequest request)
    {
        var info = _store.Describe(ProtoMapping.ArrayName(request));
        // The budget is checked below on the wire size, which depends on output_dtype, not on the plan's float32 size.
        var coreRequest = ProtoMapping.ToCore(request, info) with { MaxOutputBytes = 0 };
        var plan = ReductionPlan.Create(info, coreRequest, Registry, defaultOutputBudget: 0);
        var encoding = WireEncoding.For(plan.Output.Type, request.OutputDtype, request.Int16Scale);
        if (request.Compression is not (V1.Compression.None or V1.Compression.Zstd))
            throw new InvalidRequestException("compression", $"{request.Compression} is not offered (NONE or ZSTD)");
        long budget = request.MaxOutputBytes > 0 ? request.MaxOutputBytes : _defaultOutputBudget;
        return new Prepared(plan, encoding, encoding.WireBytes(plan.Output.ElementCount), budget);
    }

    private V1.ResultHeader Header(Prepared prepared, V1.Compression compression)
    {
        var header = ProtoMapping.ToProto(prepared.Plan, _backend.Name, _backend.Device);
        header.Dtype = prepared.Encoding.Type;
        header.TotalBytes = prepared.WireBytes;
        header.ScaleFactor = prepared.Encoding.Scale;
        header.Compression = compression;
        return header;
    }

    /// <summary>What <see cref="RunAsync"/> would answer first, and whether the budget allows it.</summary>
    public V1.EstimateResponse Estimate(V1.ReduceRequest request)
    {
        var prepared = Prepare(request);
        return new V1.EstimateResponse
        {
            Header = Header(prepared, request.Compression),
            BudgetBytes = prepared.Budget,
            WithinBudget = prepared.Budget <= 0 || prepared.WireBytes <= prepared.Budget,
        };
    }

    /// <summary>Validates, plans and checks the budget before yielding anything, so bad requests fail before any data is read.</summary>
    public IAsyncEnumerable<V1.ReduceResponse> RunAsync(V1.ReduceRequest request, CancellationToken cancellationToken)
    {
        var prepared = Prepare(request);
        if (prepared.Budget > 0 && prepared.WireBytes > prepared.Budget) throw new OutputBudgetExceededException(prepared.WireBytes, prepared.Budget);
        return StreamAsync(prepared, request.Compression, cancellationToken);
    }

    private async IAsyncEnumerable<V1.ReduceResponse> StreamAsync(Prepared prepared, V1.Compression compression,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var encoding = prepared.Encoding;
        using var source = _store.Open(prepared.Plan.Source.Name);
        var parts = ReductionExecutor.RunAsync(prepared.Plan, source, _backend, cancellationToken, Metrics.RecordStep);
        if (encoding.NeedsScaleFromData)
        {
            // The header carries the scale, so the whole result is computed first (bounded by the output budget).
            var all = new List<ReductionPart>();
            await foreach (var part in parts.ConfigureAwait(false))
            {
                if (part is ResultProgress) Metrics.Blocks.Add(1);
                else all.Add(part);
            }
            encoding.ChooseScale(all.OfType<ResultChunk>().Select(c => c.Data));
            parts = all.ToAsyncEnumerable();
        }

        using var hash = encoding.IsPassThrough ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunkCompression = compression == V1.Compression.Zstd ? new ChunkCompression(CompressionLevel) : null;
        long sent = 0;
        await foreach (var part in parts.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            switch (part)
            {
                case ResultHeader:
                    yield return new V1.ReduceResponse { Header = Header(prepared, compression) };
                    break;
                case ResultChunk chunk:
                    var bytes = encoding.Encode(chunk.Data);
                    hash?.AppendData(bytes.Span);
                    var message = new V1.DataChunk { Offset = sent };
                    if (chunkCompression?.TryCompress(bytes.Span) is { } frame)
                    {
                        message.Data = UnsafeByteOperations.UnsafeWrap(frame);
                        message.UncompressedSize = bytes.Length;
                    }
                    else
                    {
                        message.Data = UnsafeByteOperations.UnsafeWrap(bytes);
                    }
                    sent += bytes.Length;
                    Metrics.BytesOut.Add(bytes.Length);
                    Metrics.BytesOnWire.Add(message.Data.Length);
                    yield return new V1.ReduceResponse { Chunk = message };
                    break;
                case ResultProgress progress:
                    Metrics.Blocks.Add(1);
                    yield return new V1.ReduceResponse { Progress = Progress(progress.Fraction, sent, prepared.WireBytes, clock.Elapsed) };
                    break;
                case ResultTrailer trailer:
                    Metrics.BytesIn.Add(trailer.InputBytes);
                    Metrics.ReductionRatio.Record((double)trailer.InputBytes / Math.Max(1, sent));
                    yield return new V1.ReduceResponse
                    {
                        Trailer = new V1.ResultTrailer
                        {
                            TotalBytes = sent,
                            InputBytes = trailer.InputBytes,
                            ElapsedSeconds = clock.Elapsed.TotalSeconds,
                            Sha256 = hash is null ? trailer.Sha256 : Convert.ToHexStringLower(hash.GetHashAndReset()),
                            Device = trailer.Device,
                        },
                    };
                    break;
                default:
                    throw new InvalidOperationException($"unexpected part {part.GetType().Name}");
            }
        }
    }

    private static V1.Progress Progress(double fraction, long sent, long total, TimeSpan elapsed) => new()
    {
        Fraction = fraction,
        BytesSent = sent,
        TotalBytes = total,
        // The pace so far predicts the rest: blocks are equal in size, so time per fraction is roughly constant.
        EtaSeconds = fraction > 0 ? elapsed.TotalSeconds * (1 - fraction) / fraction : 0,
    };
}
