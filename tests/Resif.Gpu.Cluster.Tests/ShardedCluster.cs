using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.TestingHost;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Server;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Cluster.Tests;

/// <summary>
/// A store on disk with one random array, a single server over it (the reference) and an Orleans cluster of in-process
/// silos on loopback whose shards read the same store, fronted by a <see cref="ClusterGateway"/> on a cluster client.
/// </summary>
internal sealed class ShardedCluster : IAsyncDisposable
{
    public const string ArrayName = "das";

    private ShardedCluster(string root, InProcessTestCluster cluster, ResifServer reference, ClusterGateway gateway, GatedStore store, ShardLayout layout)
    {
        Root = root;
        Cluster = cluster;
        Reference = reference;
        Gateway = gateway;
        Store = store;
        Layout = layout;
        ReferenceClient = new ResifClient(reference.Url) { Deadline = TimeSpan.FromMinutes(2) };
        GatewayClient = new ResifClient(gateway.Url) { Deadline = TimeSpan.FromMinutes(2) };
    }

    public string Root { get; }

    public InProcessTestCluster Cluster { get; }

    public ResifServer Reference { get; }

    public ClusterGateway Gateway { get; }

    /// <summary>The store every silo reads through: a test can hold reads to kill a silo mid-request.</summary>
    public GatedStore Store { get; }

    public ShardLayout Layout { get; }

    public ResifClient ReferenceClient { get; }

    public ResifClient GatewayClient { get; }

    public static async Task<ShardedCluster> StartAsync(short silos, int replicas, long channels, long samples, int shardAttempts = 8)
    {
        string root = TestPaths.NewTempDirectory();
        var arrays = new ArrayStore(root);
        arrays.Create(ArrayName, channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.Parse("2024-05-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 0, 2.0),
            new Dictionary<string, string> { ["source"] = "cluster-test" });
        var random = new Random(11);
        var data = new float[channels * samples];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        arrays.AppendTimeBlock(ArrayName, data, channels, samples);

        var store = new GatedStore(arrays);
        // InProcessTestCluster names its silos Silo_0, Silo_1, ... in start order.
        var layout = new ShardLayout(Enumerable.Range(0, silos).Select(i => $"Silo_{i}").ToArray(), replicas: replicas);
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddResifShards(layout, store, new CpuBackendProvider(), "cpu");
            // Declare a killed silo dead within seconds, so shards move to their replicas quickly.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        builder.ConfigureClient(client =>
        {
            client.Services.AddSerializer(ClusterSilo.AddCoreTypes);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var reference = await ResifServer.StartAsync(new ResifServerOptions { Store = arrays, BackendProvider = new CpuBackendProvider(), Device = "cpu" });
        var gateway = await ClusterGateway.StartAsync(cluster.Client, layout, new ClusterGatewayOptions { ShardAttempts = shardAttempts });
        return new ShardedCluster(root, cluster, reference, gateway, store, layout);
    }

    public async ValueTask DisposeAsync()
    {
        Store.Gate.Set();
        GatewayClient.Dispose();
        ReferenceClient.Dispose();
        await Gateway.DisposeAsync();
        await Reference.DisposeAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Passes reads through, except that they wait while <see cref="Gate"/> is reset (at most a minute).</summary>
internal sealed class GatedStore(IArrayStore inner) : IArrayStore
{
    public ManualResetEventSlim Gate { get; } = new(initialState: true);

    public int WaitingReads;

    public IReadOnlyList<string> List() => inner.List();

    public ArrayInfo Describe(string name) => inner.Describe(name);

    public IArraySource Open(string name) => new Source(this, inner.Open(name));

    private sealed class Source(GatedStore store, IArraySource inner) : IArraySource
    {
        public ArrayInfo Info => inner.Info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            Interlocked.Increment(ref store.WaitingReads);
            bool opened = store.Gate.Wait(TimeSpan.FromMinutes(1));
            Interlocked.Decrement(ref store.WaitingReads);
            if (!opened) throw new TimeoutException("test gate never opened");
            inner.Read(channelStart, channelCount, channelStep, timeStart, timeCount, destination);
        }

        public void Dispose() => inner.Dispose();
    }
}
