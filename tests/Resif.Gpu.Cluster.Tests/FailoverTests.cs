using Grpc.Core;

namespace Resif.Gpu.Cluster.Tests;

/// <summary>Killing a silo (no graceful shutdown) while a request is running.</summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_silo_killed_mid_request_is_replaced_by_a_replica_and_later_requests_succeed()
    {
        await using var cluster = await ShardedCluster.StartAsync(silos: 3, replicas: 2, channels: 48, samples: 9000);
        var request = ClusterReductionTests.Request(0, 0, 1, ClusterReductionTests.BandpassDecimate);
        var expected = await cluster.ReferenceClient.ReduceAsync(request);

        // Hold every read so that all three shards are in flight, then kill the silo of shard 1 (Silo_1).
        cluster.Store.Gate.Reset();
        var running = cluster.GatewayClient.ReduceAsync(request);
        await WaitUntil(() => Volatile.Read(ref cluster.Store.WaitingReads) >= 3);
        var victim = cluster.Cluster.Silos.Single(s => s.Name == "Silo_1");
        await cluster.Cluster.KillSiloAsync(victim);
        cluster.Store.Gate.Set();

        // Shard 1 is asked again and lands on its replica (Silo_2) once the dead silo is declared.
        ClusterReductionTests.AssertSameResult(expected, await running.WaitAsync(Patience));
        ClusterReductionTests.AssertSameResult(expected, await cluster.GatewayClient.ReduceAsync(request).WaitAsync(Patience));
    }

    [Fact]
    public async Task Without_a_replica_a_dead_shard_is_a_clean_unavailable_error_and_the_cluster_keeps_serving()
    {
        await using var cluster = await ShardedCluster.StartAsync(silos: 3, replicas: 1, channels: 48, samples: 9000, shardAttempts: 3);
        var request = ClusterReductionTests.Request(0, 0, 1, ClusterReductionTests.BandpassDecimate);
        var expected = await cluster.ReferenceClient.ReduceAsync(request);

        cluster.Store.Gate.Reset();
        var running = cluster.GatewayClient.ReduceAsync(request);
        await WaitUntil(() => Volatile.Read(ref cluster.Store.WaitingReads) >= 3);
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos.Single(s => s.Name == "Silo_1"));
        cluster.Store.Gate.Set();

        var error = await Assert.ThrowsAsync<RpcException>(() => running.WaitAsync(Patience));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("shard 1/das", error.Status.Detail);

        // Shards on the survivors still answer: a selection inside shard 0 (channels 0..15) equals the single server.
        var survivors = ClusterReductionTests.Request(2, 14, 1, ClusterReductionTests.BandpassDecimate);
        ClusterReductionTests.AssertSameResult(await cluster.ReferenceClient.ReduceAsync(survivors),
            await cluster.GatewayClient.ReduceAsync(survivors).WaitAsync(Patience));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(20);
        }
    }
}
