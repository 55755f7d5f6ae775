using Orleans.Concurrency;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cluster.Internal;

/// <summary>One shard of one array (key <see cref="ShardLayout.GrainKey"/>), activated on a silo that holds it.</summary>
[Alias("resif.gpu.shard")]
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Runs a wire request (protobuf bytes, its channel selection inside this shard) on the local store and device and
    /// streams the result bytes, leaving out the first <paramref name="skipBytes"/> (a gateway resuming after a failure).
    /// </summary>
    [Alias("reduce")]
    IAsyncEnumerable<byte[]> ReduceAsync(byte[] request, long skipBytes);
}

/// <summary>The catalog of the silo it runs on; every node's store describes whole arrays.</summary>
[Alias("resif.gpu.catalog")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<ArrayInfo[]> ListAsync();

    /// <summary>Null when the array does not exist (exceptions would lose their type crossing silos).</summary>
    [Alias("describe")]
    Task<ArrayInfo?> DescribeAsync(string name);
}

/// <summary>What a silo computes with: its part of the store, its device and the operations it knows.</summary>
public sealed class ShardHost(IArrayStore store, IBackend backend, OperationRegistry registry) : IDisposable
{
    public IArrayStore Store => store;

    public IBackend Backend => backend;

    public OperationRegistry Registry => registry;

    public void Dispose() => backend.Dispose();
}

// Reentrant: requests are independent and the executor keeps no grain state, so concurrent requests share the shard.
[ShardPlacement, Reentrant]
internal sealed class ShardGrain(ShardHost host) : Grain, IShardGrain
{
    public async IAsyncEnumerable<byte[]> ReduceAsync(byte[] request, long skipBytes)
    {
        var wire = V1.ReduceRequest.Parser.ParseFrom(request);
        var info = host.Store.Describe(ProtoMapping.ArrayName(wire));
        // The gateway already applied the output budget to the whole result.
        var plan = ReductionPlan.Create(info, ProtoMapping.ToCore(wire, info), host.Registry, defaultOutputBudget: 0);
        using var source = host.Store.Open(plan.Source.Name);
        long position = 0;
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, host.Backend))
        {
            if (part is not ResultChunk chunk) continue;
            long end = position + chunk.Data.Length;
            if (end > skipBytes) yield return chunk.Data[(int)Math.Max(0, skipBytes - position)..].ToArray();
            position = end;
        }
    }
}

[StatelessWorker]
internal sealed class CatalogGrain(ShardHost host) : Grain, ICatalogGrain
{
    public Task<ArrayInfo[]> ListAsync() => Task.FromResult(host.Store.List().Select(host.Store.Describe).ToArray());

    public Task<ArrayInfo?> DescribeAsync(string name)
    {
        try
        {
            return Task.FromResult<ArrayInfo?>(host.Store.Describe(name));
        }
        catch (ArrayNotFoundException)
        {
            return Task.FromResult<ArrayInfo?>(null);
        }
    }
}
