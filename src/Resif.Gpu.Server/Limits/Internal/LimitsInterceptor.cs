using System.Net;
using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Hosting;
using Resif.Gpu.Server.Internal;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Server.Security.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Limits.Internal;

/// <summary>
/// Applies <see cref="ServerLimits"/>: rate limits per user (or remote address) on every call but health probes; for reductions, memory
/// bounds on the request, a cap on the client's output budget, admission through a bounded queue, a server-side time
/// limit and, once shutdown starts, a grace period after which in-flight streams end with UNAVAILABLE. Ingest streams
/// (client streaming) are bounded in number and end at shutdown the same way, keeping only their committed blocks.
/// </summary>
internal sealed class LimitsInterceptor : Interceptor, IDisposable
{
    private readonly ServerLimits _limits;
    private readonly ReductionRunner _runner;
    private readonly long _maxOutputBytes;
    private readonly AdmissionGate _gate;
    private readonly AdmissionGate _ingests;
    private readonly PartitionedRateLimiter<string>? _rates;
    private readonly CancellationTokenSource _shutdown = new();

    public LimitsInterceptor(ServerLimits limits, ReductionRunner runner, ResifServerOptions options, IHostApplicationLifetime lifetime)
    {
        _limits = limits;
        _runner = runner;
        _maxOutputBytes = options.MaxOutputBytes;
        _gate = new AdmissionGate(limits.MaxConcurrentReductions, limits.MaxQueuedReductions, "reductions");
        _ingests = new AdmissionGate(limits.MaxConcurrentIngests, 0, "ingest streams");
        _rates = limits.RequestsPerMinute > 0
            ? PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.RequestsPerMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / limits.RequestsPerMinute),
                QueueLimit = 0,
                AutoReplenishment = true,
            }))
            : null;
        lifetime.ApplicationStopping.Register(() => _shutdown.CancelAfter(limits.ShutdownGrace));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CheckRate(context);
        return continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CheckRate(context);
        if (request is not V1.ReduceRequest reduce)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }
        var info = _runner.Store.Describe(ProtoMapping.ArrayName(reduce));
        RequestBounds.Check(ProtoMapping.ToCore(reduce, info), info, _runner.Registry, _limits);
        // A client may ask for less than the server's budget, never for more.
        if (_maxOutputBytes > 0 && reduce.MaxOutputBytes > _maxOutputBytes) reduce.MaxOutputBytes = _maxOutputBytes;

        using var slot = await _gate.EnterAsync(context.CancellationToken).ConfigureAwait(false);
        using var timeLimit = new CancellationTokenSource(_limits.MaxRequestDuration);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, timeLimit.Token, _shutdown.Token);
        var serverDeadline = DateTime.UtcNow + _limits.MaxRequestDuration;
        // The framework resolves the service from the HttpContext, which a wrapped context only offers through this key.
        context.UserState[LimitedCallContext.HttpContextKey] = context.GetHttpContext();
        var limited = new LimitedCallContext(context, linked.Token, serverDeadline < context.Deadline ? serverDeadline : context.Deadline);
        try
        {
            await continuation(request, responseStream, limited).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested && _shutdown.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down; retry on another server or later"));
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested && timeLimit.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the server's time limit of {_limits.MaxRequestDuration} per reduction was reached"));
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CheckRate(context);
        using var slot = await _ingests.EnterAsync(context.CancellationToken).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _shutdown.Token);
        context.UserState[LimitedCallContext.HttpContextKey] = context.GetHttpContext();
        var limited = new LimitedCallContext(context, linked.Token, context.Deadline);
        try
        {
            return await continuation(requestStream, limited).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested && _shutdown.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down; the blocks committed so far are kept, send the rest later"));
        }
    }

    /// <summary>Per user when authenticated; per client address for anonymous remote callers; local anonymous callers
    /// (loopback without a token file: the operator's own tools) are not limited.</summary>
    private void CheckRate(ServerCallContext context)
    {
        if (_rates is null || context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)) return;
        string key;
        if (context.UserState.TryGetValue(AuthInterceptor.UserKey, out var user) && user is UserAccess access) key = "user:" + access.Name;
        else if (context.GetHttpContext().Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote)) key = "address:" + remote;
        else return;
        using var lease = _rates.AttemptAcquire(key);
        if (!lease.IsAcquired)
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"rate limit of {_limits.RequestsPerMinute} calls per minute reached; slow down"));
    }

    public void Dispose()
    {
        _shutdown.Dispose();
        _rates?.Dispose();
    }
}
