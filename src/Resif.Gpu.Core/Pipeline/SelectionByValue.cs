using System.Globalization;

namespace Resif.Gpu.Core.Pipeline;

/// <summary>
/// Turns selections by coordinate value (distance in metres, absolute instants) into the index and seconds form of
/// <see cref="Selection"/>, against one array's coordinates. Errors name the request field given by the caller.
/// </summary>
public static class SelectionByValue
{
    /// <summary>
    /// The index range [start, stop) of the channels whose coordinate lies in [<paramref name="from"/>, <paramref name="to"/>]
    /// (both included, like xarray's label slices); a null bound is open on that side.
    /// </summary>
    public static (long Start, long Stop) ChannelsByDistance(Coordinate channels, double? from, double? to, string field)
    {
        if (from is { } f && !double.IsFinite(f)) throw new InvalidRequestException($"{field}.start", "must be finite");
        if (to is { } t && !double.IsFinite(t)) throw new InvalidRequestException($"{field}.end", "must be finite");
        if (from > to) throw new InvalidRequestException($"{field}.end", $"{to} m is before start {from} m");
        long first = -1, last = -1;
        for (long i = 0; i < channels.Length; i++)
        {
            double value = channels.ValueAt(i);
            // Distances are often decimal multiples of the spacing: allow a relative rounding error on the bounds.
            double slack = 1e-9 * Math.Max(1, Math.Abs(value));
            if (value < from - slack || value > to + slack) continue;
            if (first < 0) first = i;
            else if (last != i - 1) throw new InvalidRequestException(field, "the channel distances are not monotonic: select by index");
            last = i;
        }
        if (first < 0)
        {
            string span = channels.Length == 0 ? "none" : $"{channels.ValueAt(0)} to {channels.ValueAt(channels.Length - 1)} {channels.Units}";
            throw new InvalidRequestException(field, $"no channel lies in [{from?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}, " +
                $"{to?.ToString(CultureInfo.InvariantCulture) ?? "inf"}] m (the array spans {span})");
        }
        return (first, last + 1);
    }

    /// <summary>
    /// Seconds after the first sample of <paramref name="time"/> for an ISO 8601 instant (no zone = UTC) or a plain
    /// number of seconds after the first sample.
    /// </summary>
    public static double SecondsAfterFirstSample(Coordinate time, string text, string field)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            if (!double.IsFinite(seconds)) throw new InvalidRequestException(field, "must be finite");
            return seconds;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            throw new InvalidRequestException(field, $"'{text}' is neither an ISO 8601 instant nor a number of seconds");
        if (time.Origin is not { } origin)
            throw new InvalidRequestException(field, "this array's time axis has no absolute origin: give seconds after the first sample");
        // Ticks keep 100 ns resolution; the time coordinate's Start is the first sample's offset from the origin.
        return (instant - origin).Ticks / (double)TimeSpan.TicksPerSecond - time.Start;
    }
}
