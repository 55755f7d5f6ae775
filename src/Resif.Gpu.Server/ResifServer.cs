using System.Net;
using Resif.Gpu.Kernels;
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
using Resif.Gpu.Server.Limits.Internal;
using Resif.Gpu.Server.Security.Internal;
using Resif.Gpu.Server.Telemetry.Internal;
using Resif.Gpu.Server.Web;

namespace Resif.Gpu.Server;

/// <summary>
/// The Resif.Gpu gRPC host: Catalog, Reduction, Devices, gRPC health and reflection over HTTP/2 (TLS when a certificate
/// is configured), behind bearer-token authentication (when a token file is given) and server limits.
/// One backend is created at start and shared by all requests.
/// </summary>
public sealed class ResifServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IBackend _backend;

    private ResifServer(WebApplication app, IBackend backend, string url, string? webUrl)
    {
        _app = app;
        _backend = backend;
        Url = url;
        WebUrl = webUrl;
    }

    /// <summary>The address the server actually listens on, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <summary>The browser viewer's address (HTTP/1.1), or null when <see cref="ResifServerOptions.WebPort"/> was not set.</summary>
    public string? WebUrl { get; }

    public string BackendName => _backend.Name;

    public string Device => _backend.Device;

    /// <summary>This server's meter (requests, bytes, blocks, kernel time): tests listen to it.</summary>
    internal ServerMetrics Metrics => _app.Services.GetRequiredService<ServerMetrics>();

    public static async Task<ResifServer> StartAsync(ResifServerOptions options, CancellationToken cancellationToken = default)
    {
        if (!IPAddress.TryParse(options.BindAddress, out var address)) throw new InvalidRequestException("bind", $"'{options.BindAddress}' is not an IP address");
        if (options.Port is < 0 or > 65535) throw new InvalidRequestException("port", $"{options.Port} is not a TCP port");
        if (options.Access is null && !options.AllowAnonymous && !IPAddress.IsLoopback(address))
            throw new InvalidRequestException("tokens", $"serving on {address} (not loopback) requires a token file, or explicitly allowing anonymous access");
        if (options.Certificate is { HasPrivateKey: false }) throw new InvalidRequestException("certificate", "the TLS certificate has no private key");
        if (options.WebPort is < 0 or > 65535) throw new InvalidRequestException("web_port", $"{options.WebPort} is not a TCP port");
        var store = options.Store ?? StoreFactory.Open(options.StorePath ?? throw new InvalidRequestException("store", "a store folder is required"), options.SkipChecksumValidation);
        if (options.DeviceMemoryFraction is <= 0 or > 1 or double.NaN)
            throw new InvalidRequestException("device_memory_fraction", $"{options.DeviceMemoryFraction} is not in (0, 1]");
        var provider = options.BackendProvider ?? BackendProviders.Default;
        var backend = provider.Create(options.Device);
        if (options.DeviceMemoryFraction is { } fraction && backend is IlgpuBackend device) device.UseMemoryFraction(fraction);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel);
            ListenOptions? grpcListen = null, webListen = null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(address, options.Port, listen =>
                {
                    (grpcListen = listen).Protocols = HttpProtocols.Http2;
                    if (options.Certificate is { } certificate) listen.UseHttps(certificate);
                });
                if (options.WebPort is int webPort) kestrel.Listen(address, webPort, listen => (webListen = listen).Protocols = HttpProtocols.Http1);
            });
            // In-flight streams get the limits' grace to finish, then a few seconds to send their UNAVAILABLE status.
            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Limits.ShutdownGrace + TimeSpan.FromSeconds(5));
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(options.Limits);
            if (options.Access is { } access) builder.Services.AddSingleton(access).AddSingleton<AuthInterceptor>();
            // Singletons: the admission queue and the rate buckets are server-wide, not per call.
            builder.Services.AddSingleton<LimitsInterceptor>();
            builder.Services.AddSingleton(StoreLocation.Of(store));
            builder.Services.AddSingleton(provider);
            builder.Services.AddSingleton(new ReductionRunner(store, options.Operations, backend, options.MaxOutputBytes));
            builder.Services.AddSingleton(services => services.GetRequiredService<ReductionRunner>().Metrics);
            builder.Services.AddGrpc(grpc =>
            {
                grpc.Interceptors.Add<RedactionInterceptor>();
                grpc.Interceptors.Add<ErrorInterceptor>();
                // Order matters: who is calling, then what they may spend.
                if (options.Access is not null) grpc.Interceptors.Add<AuthInterceptor>();
                grpc.Interceptors.Add<LimitsInterceptor>();
                // Innermost: the span covers the reduction itself, after admission.
                if (options.Telemetry.TracesEnabled) grpc.Interceptors.Add<ReductionTracing>();
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
            TelemetrySetup.Add(builder.Services, options.Telemetry);

            var app = builder.Build();
            app.MapGrpcService<CatalogService>();
            app.MapGrpcService<ReductionService>();
            app.MapGrpcService<DevicesService>();
            app.MapGrpcService<IngestService>();
            app.MapGrpcHealthChecksService();
            app.MapGrpcReflectionService();
            // The page tells users how to reproduce a view with the gRPC clients, so it needs the gRPC address, known after start.
            var grpcUrl = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (options.WebPort is not null) ViewerEndpoints.Map(app, options.Access, grpcUrl.Task);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            // Which zstd decodes the store (native libzstd is about twice as fast as the managed fallback) and whether chunks are checked.
            app.Logger.LogInformation("store reads: zstd {Zstd}, chunk checksums {Checksums}", Storage.TileDbArray.ZstdImplementation,
                options.SkipChecksumValidation ? "skipped" : "checked");

            string url = ListenUrl(grpcListen!, tls: options.Certificate is not null);
            grpcUrl.SetResult(url);
            return new ResifServer(app, backend, url, webListen is null ? null : ListenUrl(webListen, tls: false));
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    // Kestrel writes the bound port back into the listen options, so port 0 resolves to the port actually taken.
    private static string ListenUrl(ListenOptions listen, bool tls) => $"{(tls ? "https" : "http")}://{listen.IPEndPoint!}";

    /// <summary>Completes when the host stops (Ctrl-C handled by the caller's token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _backend.Dispose();
    }
}
