using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using Resif.Gpu.Server.Internal;

namespace Resif.Gpu.Server;

/// <summary>
/// The Resif.Gpu gRPC host: Catalog, Reduction, Devices, gRPC health and reflection over cleartext HTTP/2.
/// One backend is created at start and shared by all requests.
/// </summary>
public sealed class ResifServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IBackend _backend;

    private ResifServer(WebApplication app, IBackend backend, string url)
    {
        _app = app;
        _backend = backend;
        Url = url;
    }

    /// <summary>The address the server actually listens on, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    public string BackendName => _backend.Name;

    public string Device => _backend.Device;

    /// <summary>This server's meter (requests, bytes, blocks, kernel time): tests listen to it.</summary>
    internal ServerMetrics Metrics => _app.Services.GetRequiredService<ServerMetrics>();

    public static async Task<ResifServer> StartAsync(ResifServerOptions options, CancellationToken cancellationToken = default)
    {
        if (!IPAddress.TryParse(options.BindAddress, out var address)) throw new InvalidRequestException("bind", $"'{options.BindAddress}' is not an IP address");
        if (options.Port is < 0 or > 65535) throw new InvalidRequestException("port", $"{options.Port} is not a TCP port");
        var store = options.Store ?? StoreFactory.Open(options.StorePath ?? throw new InvalidRequestException("store", "a store folder is required"));
        var provider = options.BackendProvider ?? BackendProviders.Default;
        var backend = provider.Create(options.Device);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddSingleton(provider);
            builder.Services.AddSingleton(new ReductionRunner(store, options.Operations, backend, options.MaxOutputBytes));
            builder.Services.AddSingleton(services => services.GetRequiredService<ReductionRunner>().Metrics);
            builder.Services.AddGrpc(grpc =>
            {
                grpc.Interceptors.Add<ErrorInterceptor>();
                grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
                grpc.MaxSendMessageSize = options.MaxSendMessageBytes;
            });
            // Healthy while the store can be listed: the one dependency every call needs.
            builder.Services.AddGrpcHealthChecks().AddCheck("store", () =>
            {
                try
                {
                    store.List();
                    return HealthCheckResult.Healthy();
                }
                catch (Exception e)
                {
                    return HealthCheckResult.Unhealthy("store cannot be listed", e);
                }
            });
            builder.Services.AddGrpcReflection();

            var app = builder.Build();
            app.MapGrpcService<CatalogService>();
            app.MapGrpcService<ReductionService>();
            app.MapGrpcService<DevicesService>();
            app.MapGrpcHealthChecksService();
            app.MapGrpcReflectionService();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            string url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new ResifServer(app, backend, url);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the host stops (Ctrl-C handled by the caller's token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _backend.Dispose();
    }
}
