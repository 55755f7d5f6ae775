using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Resif.Gpu.Server.Internal;

/// <summary>Turns every exception a service throws into a gRPC status, so the server keeps serving after any error.</summary>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw ToRpc(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw ToRpc(e, context);
        }
    }

    private RpcException ToRpc(Exception e, ServerCallContext context)
    {
        var status = StatusMapping.ToStatus(e, context.Deadline, context.CancellationToken.IsCancellationRequested);
        if (status.StatusCode == StatusCode.Internal) logger.LogError(e, "{Method} failed", context.Method);
        else logger.LogDebug("{Method}: {Status}", context.Method, status);
        return new RpcException(status);
    }
}
