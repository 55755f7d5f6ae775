using Grpc.Core;

namespace Resif.Gpu.Server.Limits.Internal;

/// <summary>
/// The call context a service sees, with a cancellation token that also fires on the server's time limit and at the end
/// of the shutdown grace; everything else is the original context's.
/// </summary>
internal sealed class LimitedCallContext(ServerCallContext inner, CancellationToken token, DateTime deadline) : ServerCallContext
{
    /// <summary>Where Grpc.AspNetCore looks for the HttpContext of a context it did not create.</summary>
    public const string HttpContextKey = "__HttpContext";

    protected override string MethodCore => inner.Method;
    protected override string HostCore => inner.Host;
    protected override string PeerCore => inner.Peer;
    protected override DateTime DeadlineCore => deadline;
    protected override Metadata RequestHeadersCore => inner.RequestHeaders;
    protected override CancellationToken CancellationTokenCore => token;
    protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

    protected override Status StatusCore
    {
        get => inner.Status;
        set => inner.Status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    protected override AuthContext AuthContextCore => inner.AuthContext;

    protected override IDictionary<object, object> UserStateCore => inner.UserState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
}
