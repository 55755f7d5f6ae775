using System.Globalization;
using Grpc.Core;
using Resif.Gpu.Core;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cluster.Internal;

/// <summary>The whole arrays, plus where their shards live (metadata key <c>cluster.shards</c>).</summary>
internal sealed class GatewayCatalogService(ClusterReduction reduction, ShardLayout layout) : V1.Catalog.CatalogBase
{
    public const string ShardsKey = "cluster.shards";

    public override async Task<V1.ListArraysResponse> ListArrays(V1.ListArraysRequest request, ServerCallContext context)
    {
        var response = new V1.ListArraysResponse();
        response.Arrays.Add((await reduction.ListAsync().ConfigureAwait(false)).Select(WithShards));
        return response;
    }

    public override async Task<V1.ArrayInfo> DescribeArray(V1.DescribeArrayRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Name)) throw new InvalidRequestException("name", "an array name is required");
        return WithShards(await reduction.DescribeAsync(request.Name).ConfigureAwait(false));
    }

    // e.g. "0:0-32@node0,node1 1:32-64@node1,node2": shard, channel range, holders in order of preference.
    private V1.ArrayInfo WithShards(ArrayInfo info)
    {
        var proto = ProtoMapping.ToProto(info);
        proto.Metadata[ShardsKey] = string.Join(' ', Enumerable.Range(0, layout.ShardCount).Select(k =>
        {
            var (start, stop) = layout.ChannelRange(k, info.Layout.Shape[0]);
            return string.Create(CultureInfo.InvariantCulture, $"{k}:{start}-{stop}@{string.Join(',', layout.Holders(k))}");
        }));
        return proto;
    }
}

internal sealed class GatewayReductionService(ClusterReduction reduction, ClusterGatewayOptions options) : V1.Reduction.ReductionBase
{
    public override async Task Reduce(V1.ReduceRequest request, IServerStreamWriter<V1.ReduceResponse> responseStream, ServerCallContext context)
    {
        var responses = await reduction.RunAsync(request, context.CancellationToken).ConfigureAwait(false);
        await foreach (var response in responses.WithCancellation(context.CancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<V1.ListOperationsResponse> ListOperations(V1.ListOperationsRequest request, ServerCallContext context)
    {
        var response = new V1.ListOperationsResponse();
        response.Operations.Add(options.Operations.Descriptors.Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }
}

/// <summary>The gateway computes nothing itself: it names the cluster as its device.</summary>
internal sealed class GatewayDevicesService(ShardLayout layout) : V1.Devices.DevicesBase
{
    public override Task<V1.ListDevicesResponse> ListDevices(V1.ListDevicesRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.ListDevicesResponse { Active = $"cluster: {layout.ShardCount} shards over {string.Join(", ", layout.Nodes)}" });
}
