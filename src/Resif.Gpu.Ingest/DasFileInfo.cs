using Resif.Gpu.Core;

namespace Resif.Gpu.Ingest;

/// <summary>
/// What a vendor file holds, read from its headers. <see cref="Distance"/> is the channel axis (metres, regular
/// or with explicit per-channel values and labels); <see cref="Time"/> is regular, relative to its
/// <see cref="Coordinate.Origin"/> (µs precision).
/// </summary>
public sealed record DasFileInfo(
    string Format,
    string Path,
    Coordinate Distance,
    Coordinate Time,
    string RawDtype,
    string DataUnits,
    IReadOnlyDictionary<string, string> Metadata)
{
    public int Channels => checked((int)Distance.Length);

    public long Samples => Time.Length;

    /// <summary>Sample interval in seconds.</summary>
    public double TimeStep => Time.Step;

    public DateTimeOffset TimeOrigin => Time.Origin ?? throw new InvalidOperationException("time axis has no origin");

    /// <summary>The recording as a Core [channel, time] float32 layout (the channel axis carries the distances in metres).</summary>
    public TensorLayout ToLayout() =>
        new(["channel", "time"], [Distance.Length, Time.Length], [Distance with { Dim = "channel" }, Time], DataUnits);
}
