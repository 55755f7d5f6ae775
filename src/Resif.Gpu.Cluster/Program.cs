using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Resif.Gpu.Cluster;
using Resif.Gpu.Core;
using Resif.Gpu.Server;

// One storage node: an Orleans silo over the node's store, optionally with the gRPC gateway.
// Development clustering (one primary silo on this machine); see README.md for a production membership provider.
const string Usage = """
    usage: resif-gpu-cluster --name NODE --nodes N0,N1,... --store DIR [--replicas R] [--shards S]
                             [--silo-port 11111] [--gateway-port 30000] [--primary IP:PORT] [--grpc-port P] [--grpc-bind 127.0.0.1]
                             [--advertise IP] [--device auto]
    Starts a silo named NODE holding its shards of every array in DIR; with --grpc-port it also serves the
    Resif.Gpu gRPC API for the whole cluster on --grpc-bind:P. Without --advertise every node is on this machine.
    """;
try
{
    var options = ParseOptions(args);
    string Get(string key, string fallback) => options.TryGetValue(key, out var v) ? v : fallback;
    int Int(string key, int fallback) => int.TryParse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
        ? v : throw new InvalidRequestException(key, "must be an integer");
    string Required(string key) => options.TryGetValue(key, out var v) ? v : throw new InvalidRequestException(key, "is required");

    string name = Required("name");
    var layout = new ShardLayout(Required("nodes").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Int("shards", 0), Int("replicas", 1));
    if (!layout.Nodes.Contains(name)) throw new InvalidRequestException("name", $"'{name}' is not one of --nodes");
    int siloPort = Int("silo-port", 11111), gatewayPort = Int("gateway-port", 30000);
    var primary = IPEndPoint.TryParse(Get("primary", $"127.0.0.1:{siloPort}"), out var endpoint) ? endpoint
        : throw new InvalidRequestException("primary", "must be IP:PORT of the primary silo");
    var store = StoreFactory.Open(Required("store"));

    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.UseOrleans(silo =>
    {
        if (options.TryGetValue("advertise", out var advertised))
        {
            // Several machines: this node is reachable at --advertise, the primary at --primary.
            silo.UseDevelopmentClustering(primary);
            silo.ConfigureEndpoints(IPAddress.TryParse(advertised, out var ip) ? ip : throw new InvalidRequestException("advertise", "must be an IP address"), siloPort, gatewayPort, listenOnAnyHostAddress: true);
            silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = ("resif-gpu", "resif-gpu"));
        }
        else
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: "resif-gpu", clusterId: "resif-gpu");
        }
        silo.Configure<SiloOptions>(o => o.SiloName = name);
        silo.AddResifShards(layout, store, device: Get("device", "auto"));
    });
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine($"{name}: silo on 127.0.0.1:{siloPort} (primary {primary}), shards {string.Join(", ", Enumerable.Range(0, layout.ShardCount).Where(k => layout.Holders(k).Contains(name)))}");
    await using var gateway = options.ContainsKey("grpc-port")
        ? await ClusterGateway.StartAsync(host.Services.GetRequiredService<IGrainFactory>(), layout, new ClusterGatewayOptions { Port = Int("grpc-port", 0), BindAddress = Get("grpc-bind", "127.0.0.1") })
        : null;
    if (gateway is not null) Console.WriteLine($"{name}: gRPC gateway on {gateway.Url}");
    await host.WaitForShutdownAsync();
    return 0;
}
catch (InvalidRequestException e)
{
    Console.Error.WriteLine($"resif-gpu-cluster: {e.Message}\n{Usage}");
    return 2;
}

static Dictionary<string, string> ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            throw new InvalidRequestException(args[i], "expected --option value");
        options[args[i][2..]] = args[++i];
    }
    return options;
}
