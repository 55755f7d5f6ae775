namespace Resif.Gpu.Core.Pipeline;

/// <summary>
/// What a client selects: channels by index range (stop exclusive, 0 = to the end) and a time window in
/// seconds after the array's first sample (end exclusive, 0 = to the end).
/// </summary>
public sealed record Selection(long ChannelStart = 0, long ChannelStop = 0, long ChannelStep = 1, double TimeStart = 0, double TimeEnd = 0)
{
    public static Selection All { get; } = new();

    /// <summary>Resolves the selection against an array's layout [channel, time]; throws naming the field.</summary>
    public ResolvedSelection Resolve(TensorLayout layout)
    {
        if (layout.Dims.Count != 2) throw new InvalidRequestException("array", $"expected a 2-D array, this one has dims ({string.Join(", ", layout.Dims)})");
        long channels = layout.Shape[0], samples = layout.Shape[1];
        if (ChannelStep < 1) throw new InvalidRequestException("selection.channels.step", $"must be >= 1, got {ChannelStep}");
        if (ChannelStart < 0 || ChannelStart >= channels)
            throw new InvalidRequestException("selection.channels.start", $"{ChannelStart} is outside [0, {channels})");
        long stop = ChannelStop == 0 ? channels : ChannelStop;
        if (stop > channels || stop <= ChannelStart)
            throw new InvalidRequestException("selection.channels.stop", $"{ChannelStop} must be in ({ChannelStart}, {channels}] (or 0 for the end)");
        // Written so that no step, up to long.MaxValue, overflows: stop > ChannelStart here.
        long channelCount = (stop - ChannelStart - 1) / ChannelStep + 1;

        var time = layout.Coords[1];
        if (!double.IsFinite(TimeStart) || !double.IsFinite(TimeEnd)) throw new InvalidRequestException("selection.time", "must be finite");
        if (TimeStart < 0) throw new InvalidRequestException("selection.time.start", $"{TimeStart} s is before the first sample");
        if (TimeEnd != 0 && TimeEnd <= TimeStart) throw new InvalidRequestException("selection.time.end", $"{TimeEnd} s must be after start {TimeStart} s");
        long first = SampleIndex(TimeStart, time.Step);
        long end = TimeEnd == 0 ? samples : Math.Min(samples, SampleIndex(TimeEnd, time.Step));
        if (first >= samples) throw new InvalidRequestException("selection.time.start", $"{TimeStart} s is after the last sample ({(samples - 1) * time.Step} s)");
        if (end <= first) throw new InvalidRequestException("selection.time", $"window [{TimeStart}, {TimeEnd}) s holds no sample");
        return new ResolvedSelection(ChannelStart, channelCount, ChannelStep, first, end - first);
    }

    // First sample at or after t (with a tolerance of a millionth of a sample for decimal time steps).
    private static long SampleIndex(double seconds, double step) => (long)Math.Ceiling(seconds / step - 1e-6);
}

/// <summary>The selection in array indices.</summary>
public sealed record ResolvedSelection(long ChannelStart, long ChannelCount, long ChannelStep, long TimeStart, long TimeCount)
{
    public TensorLayout Apply(TensorLayout layout) => layout with
    {
        Shape = [ChannelCount, TimeCount],
        Coords = [layout.Coords[0].Slice(ChannelStart, ChannelCount, ChannelStep), layout.Coords[1].Slice(TimeStart, TimeCount)],
    };
}
