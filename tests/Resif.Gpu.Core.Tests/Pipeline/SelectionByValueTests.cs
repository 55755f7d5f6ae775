using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Core.Tests.Pipeline;

public class SelectionByValueTests
{
    // 100 channels from 250 m every 4.1 m (decimal spacing, so bounds meet rounding), time from 2024-01-01T00:00:00Z.
    private static readonly Coordinate Distance = new("channel", "m", 100, 250, 4.1);
    private static readonly Coordinate Time = new Coordinate("time", "s", 1000, 0, 0.01) { Origin = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero) };

    [Fact]
    public void Both_distance_bounds_are_included_like_xarray_label_slices()
    {
        // 250 + 10 * 4.1 = 291 exactly in decimal, 291.00000000000006 in binary: still included.
        Assert.Equal((10L, 21L), SelectionByValue.ChannelsByDistance(Distance, 291, 250 + 20 * 4.1, "selection.distance"));
        Assert.Equal((0L, 3L), SelectionByValue.ChannelsByDistance(Distance, null, 260, "selection.distance"));
        Assert.Equal((98L, 100L), SelectionByValue.ChannelsByDistance(Distance, 650, null, "selection.distance"));
    }

    [Theory]
    [InlineData(10.0, 20.0, "selection.distance")]
    [InlineData(700.0, 800.0, "selection.distance")]
    [InlineData(300.0, 290.0, "selection.distance.end")]
    [InlineData(double.NaN, 290.0, "selection.distance.start")]
    public void Empty_or_reversed_distance_windows_name_the_field(double from, double to, string field)
    {
        Assert.Equal(field, Assert.ThrowsAny<InvalidRequestException>(() => SelectionByValue.ChannelsByDistance(Distance, from, to, "selection.distance")).Field);
    }

    [Fact]
    public void Non_monotonic_explicit_distances_are_refused()
    {
        var folded = new Coordinate("channel", "m", 4, 0, 0) { Values = [0.0, 10.0, 20.0, 10.0] };
        Assert.Throws<InvalidRequestException>(() => SelectionByValue.ChannelsByDistance(folded, 5, 15, "selection.distance"));
    }

    [Theory]
    [InlineData("2024-01-01T00:00:02.5Z", 2.5)]
    [InlineData("2024-01-01T01:00:03+01:00", 3.0)]
    [InlineData("2024-01-01T00:00:01.25", 1.25)]
    [InlineData("7.5", 7.5)]
    public void Instants_and_seconds_become_seconds_after_the_first_sample(string text, double seconds)
    {
        Assert.Equal(seconds, SelectionByValue.SecondsAfterFirstSample(Time, text, "selection.instants.start"), 9);
        // A window that starts later keeps the absolute meaning: seconds are counted from its own first sample.
        var later = Time.Slice(100, 900);
        if (!double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _))
            Assert.Equal(seconds - 1.0, SelectionByValue.SecondsAfterFirstSample(later, text, "selection.instants.start"), 9);
    }

    [Fact]
    public void Unparseable_instants_and_arrays_without_an_origin_name_the_field()
    {
        Assert.Equal("selection.instants.end", Assert.Throws<InvalidRequestException>(() =>
            SelectionByValue.SecondsAfterFirstSample(Time, "yesterday", "selection.instants.end")).Field);
        var relative = Time with { Origin = null };
        Assert.Equal("selection.instants.start", Assert.Throws<InvalidRequestException>(() =>
            SelectionByValue.SecondsAfterFirstSample(relative, "2024-01-01T00:00:00Z", "selection.instants.start")).Field);
    }
}
