using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// Around every call: a request id (the client's "x-request-id" or a new one, echoed in the response headers) in a
/// logging scope, one structured log line per call, the request counter, and every exception turned into a gRPC
/// status — with google.rpc.BadRequest details for invalid requests — so the server keeps serving after any error.
/// </summary>
/// <remarks>Hosts without <see cref="ServerMetrics"/> in their services (e.g. a gateway) get no request counter.</remarks>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger, ServerMetrics? metrics = null) : Interceptor
{
    public const string RequestIdHeader = "x-request-id";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = default!;
        await RunAsync(context, async () => response = await continuation(request, context).ConfigureAwait(false)).ConfigureAwait(false);
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, () => continuation(request, responseStream, context));

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = default!;
        await RunAsync(context, async () => response = await continuation(requestStream, context).ConfigureAwait(false)).ConfigureAwait(false);
        return response;
    }

    private async Task RunAsync(ServerCallContext context, Func<Task> call)
    {
        string requestId = context.RequestHeaders.GetValue(RequestIdHeader) is { Length: > 0 and <= 128 } given ? given : Guid.NewGuid().ToString("N");
        await context.WriteResponseHeadersAsync(new Metadata { { RequestIdHeader, requestId } }).ConfigureAwait(false);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId, ["Method"] = context.Method });
        long start = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (Exception e)
        {
            var rpc = ToRpc(e, context);
            code = rpc.StatusCode;
            throw rpc;
        }
        finally
        {
            // A client that went away leaves the call cancelled even when no exception reached here.
            if (code == StatusCode.OK && context.CancellationToken.IsCancellationRequested) code = StatusCode.Cancelled;
            metrics?.Requests.Add(1, new KeyValuePair<string, object?>("method", context.Method), new KeyValuePair<string, object?>("status", code.ToString()));
            logger.LogInformation("{Method} {RequestId} answered {Status} in {ElapsedMs:F1} ms", context.Method, requestId, code,
                Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    private RpcException ToRpc(Exception e, ServerCallContext context)
    {
        var status = StatusMapping.ToStatus(e, context.Deadline, context.CancellationToken.IsCancellationRequested);
        if (status.StatusCode == StatusCode.Internal) logger.LogError(e, "{Method} failed", context.Method);
        else logger.LogDebug("{Method}: {Status}", context.Method, status);
        if (e is not InvalidRequestException invalid) return new RpcException(status);
        // Rich error model: the plain "field: reason" message stays, the field also travels as a BadRequest violation.
        var rich = new Google.Rpc.Status
        {
            Code = (int)status.StatusCode,
            Message = status.Detail,
            Details =
            {
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = invalid.Field, Description = invalid.Reason } } }),
            },
        };
        return rich.ToRpcException();
    }
}
