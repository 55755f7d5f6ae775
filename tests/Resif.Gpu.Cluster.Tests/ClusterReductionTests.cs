using Google.Protobuf;
using Grpc.Core;
using Resif.Gpu.Cluster.Internal;
using Resif.Gpu.Client;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cluster.Tests;

/// <summary>Three silos on loopback, each shard on one silo (plus a replica), against a single server over the same store.</summary>
public sealed class ClusterReductionTests : IAsyncLifetime
{
    private ShardedCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ShardedCluster.StartAsync(silos: 3, replicas: 2, channels: 70, samples: 12000);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    internal static V1.ReduceRequest Request(long start, long stop, long step, params (string Name, (string Key, string Value)[] Params)[] operations)
    {
        var request = new V1.ReduceRequest
        {
            Array = ShardedCluster.ArrayName,
            Selection = new V1.Selection { Channels = new V1.IndexRange { Start = start, Stop = stop, Step = step }, Time = new V1.TimeWindow { Start = 0.5, End = 11.5 } },
        };
        foreach (var (name, parameters) in operations)
        {
            var operation = new V1.Operation { Name = name };
            foreach (var (key, value) in parameters) operation.Params[key] = new V1.ParamValue { Text = value };
            request.Operations.Add(operation);
        }
        return request;
    }

    internal static readonly (string, (string, string)[])[] BandpassDecimate =
    [
        ("detrend", [("type", "linear")]),
        ("bandpass", [("freqmin", "2"), ("freqmax", "40")]),
        ("decimate", [("factor", "5")]),
    ];

    internal static void AssertSameResult(ReductionResult expected, ReductionResult actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Header.Coords, actual.Header.Coords);
        Assert.Equal(expected.Header.Provenance, actual.Header.Provenance);
        Assert.Equal(expected.Header.ResolvedSelection, actual.Header.ResolvedSelection);
        // Byte identity, not a tolerance: every shard runs the same code on the same channels as the single server.
        Assert.Equal(expected.Trailer.Sha256, actual.Trailer.Sha256);
        Assert.Equal(expected.Data, actual.Data);
    }

    public static TheoryData<long, long, long, string> Pipelines => new()
    {
        { 0, 0, 1, "none" },
        { 0, 0, 1, "bandpass-decimate" },
        { 3, 67, 4, "bandpass-decimate" }, // a strided selection that starts and stops inside shards
        { 30, 40, 1, "envelope" },          // inside one shard only (shard 1 holds channels 23..46)
        { 5, 70, 3, "rms" },
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task Sharded_reduction_is_byte_identical_to_a_single_server(long start, long stop, long step, string pipeline)
    {
        var request = pipeline switch
        {
            "none" => Request(start, stop, step),
            "bandpass-decimate" => Request(start, stop, step, BandpassDecimate),
            "envelope" => Request(start, stop, step, ("envelope", [])),
            "rms" => Request(start, stop, step, ("rms", [("window", "0.5")])),
            _ => throw new ArgumentOutOfRangeException(nameof(pipeline)),
        };
        var expected = await _cluster.ReferenceClient.ReduceAsync(request);
        var actual = await _cluster.GatewayClient.ReduceAsync(request);
        AssertSameResult(expected, actual);
        Assert.Equal("cluster", actual.Header.Backend);
    }

    [Fact]
    public async Task A_shard_resumed_after_some_bytes_sends_exactly_the_rest()
    {
        // What the gateway asks a replica after a failure mid-shard: the shard's bytes from an offset that is not a chunk boundary.
        var request = Request(23, 46, 1, BandpassDecimate);
        var expected = await _cluster.ReferenceClient.ReduceAsync(request);
        byte[] all = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.Data.AsSpan()).ToArray();
        var shard = _cluster.Cluster.Client.GetGrain<IShardGrain>(ShardLayout.GrainKey(ShardedCluster.ArrayName, 1));
        const long skip = 12_345;
        var rest = new List<byte>();
        await foreach (var data in shard.ReduceAsync(request.ToByteArray(), skip)) rest.AddRange(data);
        Assert.Equal(all.Skip((int)skip), rest);
    }

    [Fact]
    public async Task Catalog_shows_the_whole_array_and_where_its_shards_live()
    {
        var arrays = await _cluster.GatewayClient.ListArraysAsync();
        var info = Assert.Single(arrays);
        var reference = await _cluster.ReferenceClient.DescribeAsync(ShardedCluster.ArrayName);
        Assert.Equal(reference.Shape, info.Shape);
        Assert.Equal(reference.Coords, info.Coords);
        Assert.Equal("cluster-test", info.Metadata["source"]);
        Assert.Equal("0:0-23@Silo_0,Silo_1 1:23-46@Silo_1,Silo_2 2:46-70@Silo_2,Silo_0", info.Metadata["cluster.shards"]);

        var missing = await Assert.ThrowsAsync<RpcException>(() => _cluster.GatewayClient.DescribeAsync("nope"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Operations_that_mix_channels_and_bad_parameters_are_refused_naming_the_field()
    {
        var fk = await Assert.ThrowsAsync<RpcException>(() => _cluster.GatewayClient.ReduceAsync(Request(0, 0, 1, ("fk", []))));
        Assert.Equal(StatusCode.InvalidArgument, fk.StatusCode);
        Assert.StartsWith("operations[0]:", fk.Status.Detail);

        var bad = await Assert.ThrowsAsync<RpcException>(() => _cluster.GatewayClient.ReduceAsync(Request(0, 0, 1, ("bandpass", [("freqmin", "2"), ("freqmax", "900")]))));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.StartsWith("operations[0].freqmax", bad.Status.Detail);
    }
}
