using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Server;

namespace Resif.Gpu.Reliability.Tests.Support;

internal static class Servers
{
    public static Task<ResifServer> StartAsync(IArrayStore store, Func<ResifServerOptions, ResifServerOptions>? configure = null)
    {
        var options = new ResifServerOptions { Store = store, BackendProvider = new CpuBackendProvider(), Device = "cpu", MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Error };
        return ResifServer.StartAsync(configure is null ? options : configure(options));
    }

    /// <summary>A channel that sends <paramref name="token"/> as a bearer token (on cleartext loopback too, which tests need)
    /// and, for https, trusts exactly <paramref name="trusted"/>.</summary>
    public static GrpcChannel Channel(string url, string? token = null, X509Certificate2? trusted = null)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (trusted is not null)
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
            };
        var options = new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = ResifClient.DefaultMaxReceiveMessageBytes };
        if (token is not null)
        {
            var bearer = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return Task.CompletedTask;
            });
            options.Credentials = ChannelCredentials.Create(url.StartsWith("https", StringComparison.Ordinal) ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, bearer);
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        else if (url.StartsWith("https", StringComparison.Ordinal))
        {
            options.Credentials = ChannelCredentials.SecureSsl;
        }
        return GrpcChannel.ForAddress(url, options);
    }

    public static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
