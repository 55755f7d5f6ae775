using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Resif.Gpu.Cluster.Internal;

/// <summary>Places a shard grain on the first live silo that holds the shard's data (see <see cref="ShardLayout"/>).</summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class ShardPlacement : PlacementStrategy
{
    internal static ShardPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute() : PlacementAttribute(ShardPlacement.Instance);

/// <summary>Thrown at placement when every holder of a shard is down: the gateway retries, then reports it unavailable.</summary>
[GenerateSerializer]
public sealed class NoLiveHolderException(string message) : Exception(message);

internal sealed class ShardPlacementDirector(ShardLayout layout, IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        int shard = ShardLayout.ShardOf(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        var members = membership.CurrentSnapshot.Members;
        var holders = layout.Holders(shard);
        foreach (var holder in holders)
        {
            foreach (var silo in compatible)
            {
                if (members.TryGetValue(silo, out var member) && member.Status == SiloStatus.Active && member.Name == holder) return Task.FromResult(silo);
            }
        }
        var live = compatible.Select(s => members.TryGetValue(s, out var m) ? $"{m.Name} ({m.Status})" : s.ToString());
        throw new NoLiveHolderException($"shard {shard}: no live silo among its holders ({string.Join(", ", holders)}); live: {string.Join(", ", live)}");
    }
}
