using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cluster.Internal;

/// <summary>
/// Plans a request at the gateway (so bad requests fail before any shard is asked), fans it out to the shard grains
/// at once and streams their results back in channel order. A shard that fails (its silo died, its grain could not be
/// placed) is asked again, resuming after the bytes already received, which lands on a replica once Orleans has
/// declared the silo dead; after the last attempt the call ends with UNAVAILABLE.
/// </summary>
internal sealed class ClusterReduction(IGrainFactory grains, ShardLayout layout, OperationRegistry registry, ClusterGatewayOptions options,
    ILogger<ClusterReduction> logger)
{
    public async Task<ArrayInfo> DescribeAsync(string name) =>
        await grains.GetGrain<ICatalogGrain>(0).DescribeAsync(name).ConfigureAwait(false) ?? throw new ArrayNotFoundException(name);

    public async Task<ArrayInfo[]> ListAsync() => await grains.GetGrain<ICatalogGrain>(0).ListAsync().ConfigureAwait(false);

    public async Task<IAsyncEnumerable<V1.ReduceResponse>> RunAsync(V1.ReduceRequest request, CancellationToken cancellationToken)
    {
        var info = await DescribeAsync(ProtoMapping.ArrayName(request)).ConfigureAwait(false);
        var plan = ReductionPlan.Create(info, ProtoMapping.ToCore(request, info), registry, options.MaxOutputBytes);
        RequireChannelSharding(plan);
        var shards = layout.Split(plan.Selection, info.Layout.Shape[0]);
        return StreamAsync(plan, request, shards, cancellationToken);
    }

    /// <summary>Shards are channel ranges: only pipelines that keep channels apart, one result row per channel, merge by concatenation.</summary>
    private static void RequireChannelSharding(ReductionPlan plan)
    {
        for (int i = 0; i < plan.Operations.Count; i++)
        {
            if (!plan.Operations[i].ChannelsIndependent)
            {
                throw new InvalidRequestException($"operations[{i}]",
                    $"{plan.Operations[i].Name} combines channels, which cluster mode cannot do across channel shards yet: run it on a single server");
            }
        }
        if (plan.Output.Dims.Count == 0 || plan.Output.Dims[0] != plan.Input.Dims[0] || plan.Output.Shape[0] != plan.Selection.ChannelCount)
            throw new InvalidRequestException("operations", "the result does not keep one row per channel, so channel shards cannot be concatenated");
    }

    private async IAsyncEnumerable<V1.ReduceResponse> StreamAsync(ReductionPlan plan, V1.ReduceRequest request, IReadOnlyList<ShardSelection> shards,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        yield return ProtoMapping.ToProto(new ResultHeader(plan, "cluster", $"{shards.Count} channel shards over {layout.Nodes.Count} nodes"));

        long bytesPerRow = plan.Output.ByteCount / plan.Selection.ChannelCount;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // All shards start now and buffer what arrives ahead of its turn (bounded by the output budget checked above).
        var fetches = shards.Select(s => Fetch(plan.Source.Name, request, s, s.RowCount * bytesPerRow, stop.Token)).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        try
        {
            for (int i = 0; i < fetches.Length; i++)
            {
                await foreach (var data in fetches[i].Data.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    hash.AppendData(data);
                    yield return ProtoMapping.ToProto(new ResultChunk(offset, data));
                    offset += data.Length;
                }
                yield return ProtoMapping.ToProto(new ResultProgress((double)(i + 1) / fetches.Length, offset));
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Wait for the receivers, not for the channels: a channel left unread never completes.
            await Task.WhenAll(fetches.Select(f => f.Receiving)).ConfigureAwait(false);
        }
        if (offset != plan.Output.ByteCount) throw new InvalidOperationException($"shards produced {offset} bytes, planned {plan.Output.ByteCount}");
        yield return ProtoMapping.ToProto(new ResultTrailer(offset, plan.Input.ByteCount, clock.Elapsed, Convert.ToHexStringLower(hash.GetHashAndReset())));
    }

    /// <summary>One shard's result bytes as they arrive, and the task receiving them (never faults: errors end the channel).</summary>
    private sealed record ShardFetch(ChannelReader<byte[]> Data, Task Receiving);

    private ShardFetch Fetch(string array, V1.ReduceRequest request, ShardSelection shard, long expectedBytes, CancellationToken cancellationToken)
    {
        var pipe = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var shardRequest = request.Clone();
        shardRequest.Selection ??= new V1.Selection();
        shardRequest.Selection.Channels = new V1.IndexRange { Start = shard.ChannelStart, Stop = shard.ChannelStop, Step = shard.ChannelStep };
        shardRequest.MaxOutputBytes = 0;
        byte[] wire = shardRequest.ToByteArray();
        var receiving = Task.Run(async () =>
        {
            try
            {
                long received = await Receive(ShardLayout.GrainKey(array, shard.Shard), wire, pipe.Writer, cancellationToken).ConfigureAwait(false);
                if (received != expectedBytes) throw new InvalidOperationException($"shard {shard.Shard} produced {received} bytes, planned {expectedBytes}");
                pipe.Writer.Complete();
            }
            catch (Exception e)
            {
                pipe.Writer.Complete(e);
            }
        }, CancellationToken.None);
        return new ShardFetch(pipe.Reader, receiving);
    }

    private async Task<long> Receive(string grainKey, byte[] wire, ChannelWriter<byte[]> writer, CancellationToken cancellationToken)
    {
        long received = 0;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var grain = grains.GetGrain<IShardGrain>(grainKey);
                await foreach (var data in grain.ReduceAsync(wire, received).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    received += data.Length;
                    writer.TryWrite(data);
                }
                return received;
            }
            catch (Exception e) when (IsRetryable(e, cancellationToken) && attempt < options.ShardAttempts)
            {
                logger.LogWarning("shard {Key}: attempt {Attempt} failed after {Bytes} bytes ({Error}); retrying", grainKey, attempt, received, e.Message);
                await Task.Delay(options.ShardRetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRetryable(e, cancellationToken))
            {
                // The cluster's own message names silos and internal calls: it goes to the log, not to the client.
                logger.LogError(e, "shard {Key}: giving up after {Attempt} attempts", grainKey, attempt);
                throw new RpcException(new Status(StatusCode.Unavailable,
                    $"shard {grainKey} unavailable after {attempt} attempts: no live silo holding it answered (see the gateway log)"));
            }
        }
    }

    // Request errors are final; anything else from the cluster (dead silo, lost connection, failed placement) may pass.
    private static bool IsRetryable(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is not (InvalidRequestException or ArrayNotFoundException or OutputBudgetExceededException
            or DataCorruptionException or OperationCanceledException);
}
