using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Pipeline;

public class SelectionTests
{
    private static readonly TensorLayout Layout = new InMemoryArrayStore().Add("a", new float[100 * 1000], 100, 1000, dt: 0.01, dx: 4).Layout;

    [Fact]
    public void All_selects_everything()
    {
        var s = Selection.All.Resolve(Layout);
        Assert.Equal(new ResolvedSelection(0, 100, 1, 0, 1000), s);
    }

    [Fact]
    public void Channel_stride_and_time_window_resolve_to_indices_and_coordinates()
    {
        var s = new Selection(ChannelStart: 10, ChannelStop: 21, ChannelStep: 5, TimeStart: 1.0, TimeEnd: 2.5).Resolve(Layout);
        Assert.Equal(new ResolvedSelection(10, 3, 5, 100, 150), s);
        var layout = s.Apply(Layout);
        Assert.Equal([3L, 150L], layout.Shape);
        Assert.Equal(40.0, layout.Coords[0].Start);
        Assert.Equal(20.0, layout.Coords[0].Step);
        Assert.Equal(1.0, layout.Coords[1].Start, 12);
        Assert.Equal(0.01, layout.Coords[1].Step);
    }

    [Theory]
    [InlineData(0, 2, long.MaxValue, 1)] // found by the reliability fuzzer: the count overflowed to -1
    [InlineData(3, 100, 1L << 62, 1)]
    [InlineData(3, 100, 96, 2)]
    [InlineData(3, 100, 97, 1)]
    public void Any_step_gives_the_channels_it_lands_on(long start, long stop, long step, long count)
    {
        var s = new Selection(ChannelStart: start, ChannelStop: stop, ChannelStep: step).Resolve(Layout);
        Assert.Equal(count, s.ChannelCount);
        Assert.Equal(count, Enumerable.Range(0, 100).Count(c => c >= start && c < stop && (c - start) % step == 0));
    }

    [Fact]
    public void Time_end_beyond_the_array_is_clipped()
    {
        Assert.Equal(1000 - 900, new Selection(TimeStart: 9.0, TimeEnd: 50).Resolve(Layout).TimeCount);
    }

    [Theory]
    [InlineData(100, 0, 1, 0, 0, "selection.channels.start")]
    [InlineData(5, 5, 1, 0, 0, "selection.channels.stop")]
    [InlineData(0, 101, 1, 0, 0, "selection.channels.stop")]
    [InlineData(0, 0, 0, 0, 0, "selection.channels.step")]
    [InlineData(0, 0, 1, -1, 0, "selection.time.start")]
    [InlineData(0, 0, 1, 10.5, 0, "selection.time.start")]
    [InlineData(0, 0, 1, 2, 1, "selection.time.end")]
    [InlineData(0, 0, 1, 1.001, 1.005, "selection.time")]
    public void Bad_or_empty_selections_name_the_field(long c0, long c1, long step, double t0, double t1, string field)
    {
        var error = Assert.ThrowsAny<InvalidRequestException>(() => new Selection(c0, c1, step, t0, t1).Resolve(Layout));
        Assert.Equal(field, error.Field);
    }
}
