using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using Resif.Gpu.Cluster.Internal;
using Resif.Gpu.Server.Internal;

namespace Resif.Gpu.Cluster;

/// <summary>
/// The cluster's front door: the same gRPC Catalog, Reduction and Devices API as a single server, answered by fanning
/// out to shard grains through any Orleans grain factory (a silo's own, or a cluster client's).
/// </summary>
public sealed class ClusterGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ClusterGateway(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ClusterGateway> StartAsync(IGrainFactory grains, ShardLayout layout, ClusterGatewayOptions options,
        CancellationToken cancellationToken = default)
    {
        if (!IPAddress.TryParse(options.BindAddress, out var address)) throw new InvalidRequestException("bind", $"'{options.BindAddress}' is not an IP address");
        if (options.Port is < 0 or > 65535) throw new InvalidRequestException("port", $"{options.Port} is not a TCP port");
        if (options.ShardAttempts < 1) throw new InvalidRequestException("shard_attempts", $"must be >= 1, got {options.ShardAttempts}");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(grains);
        builder.Services.AddSingleton(layout);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Operations);
        builder.Services.AddSingleton<ClusterReduction>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.MaxSendMessageSize = 64 << 20;
        });
        var app = builder.Build();
        app.MapGrpcService<GatewayCatalogService>();
        app.MapGrpcService<GatewayReductionService>();
        app.MapGrpcService<GatewayDevicesService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ClusterGateway(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
