using Resif.Gpu.Core;

namespace Resif.Gpu.Ingest;

/// <summary>
/// Samples [<see cref="SampleStart"/>, SampleStart + <see cref="SampleCount"/>) of every channel of a file,
/// as float32 [channel, time] in C order. <see cref="Info"/> describes the whole file.
/// </summary>
public sealed class DasRecording
{
    public DasRecording(DasFileInfo info, long sampleStart, long sampleCount, float[] data)
    {
        if (data.LongLength != info.Channels * sampleCount)
            throw new ArgumentException($"data holds {data.LongLength} values, expected {info.Channels} x {sampleCount}", nameof(data));
        Info = info;
        SampleStart = sampleStart;
        SampleCount = sampleCount;
        Data = data;
    }

    public DasFileInfo Info { get; }

    public long SampleStart { get; }

    public long SampleCount { get; }

    public float[] Data { get; }

    public int Channels => Info.Channels;

    /// <summary>The time axis of this block (origin of the file, shifted start).</summary>
    public Coordinate Time => Info.Time.Slice(SampleStart, SampleCount);

    /// <summary>Absolute time of the block's first sample.</summary>
    public DateTimeOffset StartTime => Info.TimeOrigin + TimeSpan.FromTicks((long)Math.Round(SampleStart * Info.TimeStep * TimeSpan.TicksPerSecond));

    /// <summary>One channel's samples.</summary>
    public ReadOnlySpan<float> Channel(int index) => Data.AsSpan(checked((int)(index * SampleCount)), checked((int)SampleCount));
}
