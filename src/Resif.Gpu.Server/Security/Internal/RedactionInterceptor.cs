using Grpc.Core;
using Grpc.Core.Interceptors;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Server.Security.Internal;

/// <summary>
/// Outermost interceptor: removes the store's folder from status details, so clients read "arrays/NAME/__fragments/..."
/// (enough to name the array and fragment) but never learn where the server keeps its data.
/// </summary>
internal sealed class RedactionInterceptor(StoreLocation location) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException e) when (location.Appears(e.Status.Detail))
        {
            throw location.Redact(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (RpcException e) when (location.Appears(e.Status.Detail))
        {
            throw location.Redact(e);
        }
    }
}

/// <summary>The folder of an embedded store, as it may appear in error messages; null for other stores.</summary>
internal sealed class StoreLocation(string? root)
{
    private readonly string? _prefix = root is null ? null : Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;

    public static StoreLocation Of(Core.IArrayStore store) => new((store as ArrayStore)?.Root);

    public bool Appears(string detail) => _prefix is not null && detail.Contains(_prefix, StringComparison.Ordinal);

    public RpcException Redact(RpcException e) =>
        new(new Status(e.StatusCode, e.Status.Detail.Replace(_prefix!, "", StringComparison.Ordinal)), e.Trailers);
}
