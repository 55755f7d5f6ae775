using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Cluster;

/// <summary>The channels of one shard that a request selects, as indices into the array and into the result.</summary>
public sealed record ShardSelection(int Shard, long ChannelStart, long ChannelStop, long ChannelStep, long FirstResultRow, long RowCount);

/// <summary>
/// How arrays are cut and where the pieces live. Every array is split along channels into <see cref="ShardCount"/>
/// contiguous ranges of (nearly) equal size; shard k is held by the nodes <c>Nodes[(k + r) % Nodes.Count]</c> for
/// r &lt; <see cref="Replicas"/>, the first one alive being where its grain runs. Every silo and gateway of a cluster
/// must be given the same layout (it is configuration, like a storage map, not state).
/// </summary>
public sealed record ShardLayout
{
    public ShardLayout(IReadOnlyList<string> nodes, int shardCount = 0, int replicas = 1)
    {
        if (nodes.Count == 0) throw new InvalidRequestException("nodes", "a cluster needs at least one node");
        if (nodes.Distinct(StringComparer.Ordinal).Count() != nodes.Count) throw new InvalidRequestException("nodes", "node names must be unique");
        if (shardCount < 0) throw new InvalidRequestException("shards", $"must be >= 0 (0 = one per node), got {shardCount}");
        if (replicas < 1 || replicas > nodes.Count) throw new InvalidRequestException("replicas", $"must be in [1, {nodes.Count}], got {replicas}");
        Nodes = nodes.ToArray();
        ShardCount = shardCount == 0 ? nodes.Count : shardCount;
        Replicas = replicas;
    }

    /// <summary>Silo names, in the order shards are dealt to them.</summary>
    public IReadOnlyList<string> Nodes { get; }

    public int ShardCount { get; }

    public int Replicas { get; }

    /// <summary>Channel index range [start, stop) of shard <paramref name="shard"/> in an array of <paramref name="channels"/> channels.</summary>
    public (long Start, long Stop) ChannelRange(int shard, long channels) =>
        (shard * channels / ShardCount, (shard + 1) * channels / ShardCount);

    /// <summary>Nodes that hold a copy of the shard, preferred first.</summary>
    public IReadOnlyList<string> Holders(int shard) =>
        Enumerable.Range(0, Replicas).Select(r => Nodes[(shard + r) % Nodes.Count]).ToArray();

    /// <summary>The grain key of one shard of one array (array names never contain '/').</summary>
    public static string GrainKey(string array, int shard) => $"{shard}/{array}";

    public static int ShardOf(string grainKey) => int.Parse(grainKey.AsSpan(0, grainKey.IndexOf('/')), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The part of a resolved selection that falls in each shard, in result order; shards it misses are left out.</summary>
    public IReadOnlyList<ShardSelection> Split(ResolvedSelection selection, long channels)
    {
        var parts = new List<ShardSelection>();
        for (int shard = 0; shard < ShardCount; shard++)
        {
            var (start, stop) = ChannelRange(shard, channels);
            long first = Math.Max(0, CeilDiv(start - selection.ChannelStart, selection.ChannelStep));
            long end = Math.Min(selection.ChannelCount, CeilDiv(stop - selection.ChannelStart, selection.ChannelStep));
            if (end <= first) continue;
            long firstChannel = selection.ChannelStart + first * selection.ChannelStep;
            long lastChannel = selection.ChannelStart + (end - 1) * selection.ChannelStep;
            parts.Add(new ShardSelection(shard, firstChannel, lastChannel + 1, selection.ChannelStep, first, end - first));
        }
        return parts;
    }

    // Ceiling of a / b for b > 0 and any sign of a.
    private static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
