using System.Runtime.CompilerServices;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Polly;
using Polly.Retry;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>
/// C# client of a Resif.Gpu server. Every call gets <see cref="Deadline"/> unless the caller cancels first; calls that
/// fail with UNAVAILABLE (server starting, restarting, connection refused) are retried up to <see cref="MaxRetries"/>
/// times with exponential back-off — a reduction only until its first message arrives, so no data is ever repeated.
/// </summary>
public sealed class ResifClient : IDisposable
{
    /// <summary>Room for ~1 MB data chunks and headers with explicit coordinates.</summary>
    public const int DefaultMaxReceiveMessageBytes = 64 << 20;

    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;
    private readonly V1.Catalog.CatalogClient _catalog;
    private readonly V1.Reduction.ReductionClient _reduction;
    private readonly V1.Devices.DevicesClient _devices;
    private readonly V1.Ingest.IngestClient _ingest;
    private ResiliencePipeline? _retry;

    public ResifClient(string url)
        : this(GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = DefaultMaxReceiveMessageBytes }), ownsChannel: true)
    {
    }

    public ResifClient(GrpcChannel channel)
        : this(channel, ownsChannel: false)
    {
    }

    private ResifClient(GrpcChannel channel, bool ownsChannel)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
        _catalog = new V1.Catalog.CatalogClient(channel);
        _reduction = new V1.Reduction.ReductionClient(channel);
        _devices = new V1.Devices.DevicesClient(channel);
        _ingest = new V1.Ingest.IngestClient(channel);
    }

    /// <summary>Time allowed for one call, a whole reduction stream included.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Retries after UNAVAILABLE; 0 disables them.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First back-off delay; it doubles (with jitter) at each retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Called before each retry with the attempt number (0 for the first retry), e.g. to log it.</summary>
    public Action<int, RpcException>? OnRetry { get; init; }

    private ResiliencePipeline Retry => _retry ??= MaxRetries <= 0
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
            MaxRetryAttempts = MaxRetries,
            Delay = RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            OnRetry = args =>
            {
                if (args.Outcome.Exception is RpcException e) OnRetry?.Invoke(args.AttemptNumber, e);
                return ValueTask.CompletedTask;
            },
        }).Build();

    private CallOptions Options(DateTime deadline, CancellationToken cancellationToken) => new(deadline: deadline, cancellationToken: cancellationToken);

    /// <summary>One unary call with retries; the deadline covers all attempts.</summary>
    private async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Deadline;
        return await Retry.ExecuteAsync(async _ => await call(Options(deadline, cancellationToken)).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<V1.ArrayInfo>> ListArraysAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(o => _catalog.ListArraysAsync(new V1.ListArraysRequest(), o), cancellationToken).ConfigureAwait(false)).Arrays;

    public Task<V1.ArrayInfo> DescribeAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(o => _catalog.DescribeArrayAsync(new V1.DescribeArrayRequest { Name = name }, o), cancellationToken);

    public async Task<IReadOnlyList<V1.OperationInfo>> ListOperationsAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(o => _reduction.ListOperationsAsync(new V1.ListOperationsRequest(), o), cancellationToken).ConfigureAwait(false)).Operations;

    public Task<V1.ListDevicesResponse> ListDevicesAsync(CancellationToken cancellationToken = default) =>
        CallAsync(o => _devices.ListDevicesAsync(new V1.ListDevicesRequest(), o), cancellationToken);

    /// <summary>Plans a request on the server without reading data: result shape, coordinates, element type, bytes, budget.</summary>
    public Task<V1.EstimateResponse> EstimateAsync(V1.ReduceRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(o => _reduction.EstimateAsync(request, o), cancellationToken);

    /// <summary>The raw stream: header, chunks and progress, trailer. Disposing the enumerator cancels the call.</summary>
    public async IAsyncEnumerable<V1.ReduceResponse> ReduceStreamAsync(V1.ReduceRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + Deadline;
        // Retried only while nothing has arrived: the first MoveNext surfaces UNAVAILABLE for a server that is not there.
        var (call, first) = await Retry.ExecuteAsync(async token =>
        {
            var attempt = _reduction.Reduce(request, Options(deadline, token));
            try
            {
                bool any = await attempt.ResponseStream.MoveNext(token).ConfigureAwait(false);
                return (attempt, any ? attempt.ResponseStream.Current : null);
            }
            catch
            {
                attempt.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
        using (call)
        {
            if (first is null) yield break;
            yield return first;
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return response;
        }
    }

    /// <summary>The whole result in memory (decoded to float32), with offsets, size and SHA-256 checked.</summary>
    public Task<ReductionResult> ReduceAsync(V1.ReduceRequest request, IProgress<V1.Progress>? progress = null, CancellationToken cancellationToken = default) =>
        ReductionResult.CollectAsync(ReduceStreamAsync(request, cancellationToken), progress, cancellationToken);

    public Task<ReductionResult> ReduceAsync(ReduceRequestBuilder request, IProgress<V1.Progress>? progress = null, CancellationToken cancellationToken = default) =>
        ReduceAsync(request.Build(), progress, cancellationToken);

    /// <summary>Bytes of data per ingest chunk message (the server accepts messages of up to 4 MB by default).</summary>
    public const int IngestChunkBytes = 1 << 20;

    /// <summary>
    /// Pushes <paramref name="blocks"/>, each float32 [channels, samples] in C order, consecutive in time, into array
    /// <c>header.Name</c> (created from the header's coordinates if it does not exist; appended otherwise). Blocks are
    /// sent as ~1 MB chunks; the server commits whole blocks of its own as they fill and the rest when the blocks end.
    /// A header without channels appends to an existing array (its channel count is asked first). Not retried: data
    /// already sent cannot be replayed. Cancelling or failing the enumeration keeps what the server committed.
    /// </summary>
    public async Task<V1.IngestResponse> IngestAsync(V1.IngestHeader header, IAsyncEnumerable<float[]> blocks, CancellationToken cancellationToken = default)
    {
        long channels = header.Channels != 0 ? header.Channels : (await DescribeAsync(header.Name, cancellationToken).ConfigureAwait(false)).Shape[0];
        return await IngestAsync(Messages(), cancellationToken).ConfigureAwait(false);

        async IAsyncEnumerable<V1.IngestRequest> Messages()
        {
            yield return new V1.IngestRequest { Header = header };
            await foreach (var block in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (block.LongLength % channels != 0) throw new ArgumentException($"a block of {block.LongLength} values is not [{channels}, samples]", nameof(blocks));
                foreach (var chunk in IngestChunks(block, (int)channels)) yield return new V1.IngestRequest { Chunk = chunk };
            }
        }
    }

    /// <summary>The raw ingest stream: a header message, then chunk messages (e.g. int16 with a scale).</summary>
    public async Task<V1.IngestResponse> IngestAsync(IAsyncEnumerable<V1.IngestRequest> messages, CancellationToken cancellationToken = default)
    {
        using var call = _ingest.Ingest(Options(DateTime.UtcNow + Deadline, cancellationToken));
        try
        {
            await foreach (var message in messages.WithCancellation(cancellationToken).ConfigureAwait(false))
                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The server ended the call (a refused chunk, no right): its status says why, below.
        }
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>A [channels, samples] block cut along time into chunks of about <see cref="IngestChunkBytes"/>.</summary>
    private static IEnumerable<V1.IngestChunk> IngestChunks(float[] block, int channels)
    {
        int samples = (int)(block.LongLength / channels);
        int perChunk = Math.Max(1, IngestChunkBytes / (channels * sizeof(float)));
        for (int start = 0; start < samples; start += perChunk)
        {
            int count = Math.Min(perChunk, samples - start);
            var bytes = new byte[(long)channels * count * sizeof(float)];
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (int c = 0; c < channels; c++) block.AsSpan(c * samples + start, count).CopyTo(values.Slice(c * count, count));
            yield return new V1.IngestChunk { Channels = channels, Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(bytes) };
        }
    }

    /// <summary>The fields an INVALID_ARGUMENT error names (google.rpc.BadRequest details), empty when it names none.</summary>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? (IReadOnlyList<BadRequest.Types.FieldViolation>)[];

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
