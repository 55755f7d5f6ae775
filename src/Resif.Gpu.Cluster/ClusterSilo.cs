using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Cluster.Internal;

namespace Resif.Gpu.Cluster;

/// <summary>Turns an Orleans silo into a Resif.Gpu storage node: shard and catalog grains over its local store.</summary>
public static class ClusterSilo
{
    /// <summary>
    /// Registers the grains, the shard placement and the store/device this silo computes with. The silo's name
    /// (<c>SiloOptions.SiloName</c>) must be one of <paramref name="layout"/>'s nodes for it to receive shards.
    /// </summary>
    public static ISiloBuilder AddResifShards(this ISiloBuilder silo, ShardLayout layout, IArrayStore store,
        IBackendProvider? backends = null, string device = "auto", OperationRegistry? operations = null)
    {
        silo.Services.AddSingleton(layout);
        silo.Services.AddSingleton(_ => new ShardHost(store, (backends ?? new CpuBackendProvider()).Create(device), operations ?? OperationRegistry.Default));
        silo.Services.AddPlacementDirector<ShardPlacement, ShardPlacementDirector>();
        silo.Services.AddSerializer(AddCoreTypes);
        return silo;
    }

    /// <summary>Core records cross silos as JSON: they are plain immutable data without Orleans attributes.</summary>
    public static void AddCoreTypes(ISerializerBuilder serializer) =>
        serializer.AddJsonSerializer(isSupported: type => type == typeof(ArrayInfo));
}
