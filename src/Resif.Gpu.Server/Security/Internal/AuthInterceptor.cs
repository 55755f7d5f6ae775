using Grpc.Core;
using Grpc.Core.Interceptors;
using Resif.Gpu.Core;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Security.Internal;

/// <summary>
/// Checks the bearer token of every call and the caller's rights on the array it names. An array the caller may not
/// read answers exactly like a missing one (NOT_FOUND, same message) and is left out of listings, so its existence
/// never leaks. Health stays open to anonymous probes; any method not known here needs admin rights.
/// </summary>
internal sealed class AuthInterceptor(AccessPolicy policy) : Interceptor
{
    /// <summary>Where the authenticated user is kept for later interceptors (rate limits).</summary>
    public const string UserKey = "resif.user";

    private const string HealthPrefix = "/grpc.health.v1.Health/";

    private const string IngestMethod = "/resif.gpu.v1.Ingest/Ingest";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal)) return await continuation(request, context).ConfigureAwait(false);
        var user = Authorize(request, context);
        var response = await continuation(request, context).ConfigureAwait(false);
        if (response is V1.ListArraysResponse list)
        {
            var visible = list.Arrays.Where(a => user.Has(a.Name, ArrayRights.Read)).ToArray();
            list.Arrays.Clear();
            list.Arrays.Add(visible);
        }
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal)) Authorize(request, context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var user = Authenticate(context);
        if (context.Method != IngestMethod)
        {
            RequireAdmin(user, context);
            return continuation(requestStream, context);
        }
        // The array an ingest writes to is named by its first message: check the right when that message arrives.
        return continuation(new FirstMessageCheck<TRequest>(requestStream, first => Authorize(first!, context)), context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        RequireAdmin(Authenticate(context), context);
        return continuation(requestStream, responseStream, context);
    }

    private UserAccess Authorize(object request, ServerCallContext context)
    {
        var user = Authenticate(context);
        switch (request)
        {
            case V1.DescribeArrayRequest describe:
                RequireVisible(user, describe.Name);
                break;
            case V1.ReduceRequest reduce:
                RequireVisible(user, reduce.Array);
                if (!user.Has(reduce.Array, ArrayRights.Reduce))
                    throw new RpcException(new Status(StatusCode.PermissionDenied, $"user '{user.Name}' may not reduce array '{reduce.Array}'"));
                break;
            // Writing reveals nothing about an array's existence: the answer is the same whether it exists or not.
            case V1.IngestRequest { Header: { } header }:
                if (!user.Has(header.Name, ArrayRights.Ingest))
                    throw new RpcException(new Status(StatusCode.PermissionDenied, $"user '{user.Name}' may not ingest into array '{header.Name}'"));
                break;
            // Listings are filtered after the call; operations and devices are no secret to an authenticated user.
            case V1.ListArraysRequest or V1.ListOperationsRequest or V1.ListDevicesRequest:
                break;
            default:
                RequireAdmin(user, context);
                break;
        }
        return user;
    }

    private UserAccess Authenticate(ServerCallContext context)
    {
        string? token = AccessPolicy.BearerToken(context.RequestHeaders.GetValue("authorization"));
        var user = policy.Authenticate(token)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, token is null ? "a bearer token is required (authorization: Bearer TOKEN)" : "the bearer token is not valid"));
        context.UserState[UserKey] = user;
        return user;
    }

    private static void RequireVisible(UserAccess user, string array)
    {
        if (!user.Has(array, ArrayRights.Read)) throw new RpcException(new Status(StatusCode.NotFound, new ArrayNotFoundException(array).Message));
    }

    private static void RequireAdmin(UserAccess user, ServerCallContext context)
    {
        if (!user.IsAdministrator)
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"user '{user.Name}' may not call {context.Method}"));
    }
}

/// <summary>A request stream that runs a check on its first message before the handler sees it.</summary>
internal sealed class FirstMessageCheck<T>(IAsyncStreamReader<T> inner, Action<T> check) : IAsyncStreamReader<T>
{
    private bool _checked;

    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        bool any = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
        if (any && !_checked)
        {
            _checked = true;
            check(inner.Current);
        }
        return any;
    }
}
