using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Cluster.Tests;

public sealed class ShardLayoutTests
{
    [Theory]
    [InlineData(100, 3, 0, 100, 1)]
    [InlineData(100, 3, 5, 97, 7)]
    [InlineData(10, 4, 3, 4, 1)]
    [InlineData(7, 5, 0, 7, 2)]
    [InlineData(3, 5, 0, 3, 1)] // more shards than channels: some shards are empty
    public void Split_gives_every_selected_channel_once_in_result_order(long channels, int shards, long start, long stop, long step)
    {
        var layout = new ShardLayout(["a", "b", "c", "d", "e"], shards);
        var selection = new Selection(start, stop, step).Resolve(Layout(channels));
        var parts = layout.Split(selection, channels);

        // Expected by brute force: the selected channels, each tagged with the shard whose range contains it.
        var expected = new List<(int Shard, long Channel)>();
        for (long c = start; c < stop; c += step)
        {
            int shard = Enumerable.Range(0, shards).Single(k => layout.ChannelRange(k, channels).Start <= c && c < layout.ChannelRange(k, channels).Stop);
            expected.Add((shard, c));
        }
        var actual = parts.SelectMany(p => Enumerable.Range(0, (int)p.RowCount).Select(i => (p.Shard, p.ChannelStart + i * p.ChannelStep))).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(Enumerable.Range(0, expected.Count).Select(i => (long)i), parts.SelectMany(p => Enumerable.Range(0, (int)p.RowCount).Select(i => p.FirstResultRow + i)));
        Assert.All(parts, p => Assert.Equal(p.RowCount, new Selection(p.ChannelStart, p.ChannelStop, p.ChannelStep).Resolve(Layout(channels)).ChannelCount));
    }

    [Fact]
    public void Replicas_are_dealt_round_the_nodes()
    {
        var layout = new ShardLayout(["n0", "n1", "n2"], replicas: 2);
        Assert.Equal(3, layout.ShardCount);
        Assert.Equal(["n2", "n0"], layout.Holders(2));
        Assert.Equal(4, ShardLayout.ShardOf(ShardLayout.GrainKey("das.v1", 4)));
    }

    [Fact]
    public void Bad_layouts_name_the_setting()
    {
        Assert.Equal("nodes", Assert.Throws<InvalidRequestException>(() => new ShardLayout([])).Field);
        Assert.Equal("nodes", Assert.Throws<InvalidRequestException>(() => new ShardLayout(["a", "a"])).Field);
        Assert.Equal("replicas", Assert.Throws<InvalidRequestException>(() => new ShardLayout(["a", "b"], replicas: 3)).Field);
        Assert.Equal("shards", Assert.Throws<InvalidRequestException>(() => new ShardLayout(["a"], shardCount: -1)).Field);
    }

    private static TensorLayout Layout(long channels) => new(["channel", "time"], [channels, 100],
        [new Coordinate("channel", "m", channels, 0, 1), new Coordinate("time", "s", 100, 0, 0.01)], "strain_rate");
}
