using Resif.Gpu.Core;

namespace Resif.Gpu.Testing;

/// <summary>An <see cref="IArrayStore"/> over arrays held in memory, for tests that are not about storage.</summary>
public sealed class InMemoryArrayStore : IArrayStore
{
    private readonly Dictionary<string, (ArrayInfo Info, float[] Data)> _arrays = new(StringComparer.Ordinal);

    /// <summary>Adds a [channel, time] array with regular coordinates (dx metres, dt seconds).</summary>
    public ArrayInfo Add(string name, float[] data, long channels, long samples, double dt, double dx = 1.0, string units = "strain_rate")
    {
        if (data.LongLength != channels * samples) throw new ArgumentException("data length does not match the shape");
        var layout = new TensorLayout(["channel", "time"], [channels, samples],
            [new Coordinate("channel", "m", channels, 0, dx), new Coordinate("time", "s", samples, 0, dt) { Origin = DateTimeOffset.UnixEpoch }],
            units);
        var info = new ArrayInfo(name, layout, new Dictionary<string, string>());
        _arrays[name] = (info, data);
        return info;
    }

    public IReadOnlyList<string> List() => _arrays.Keys.Order(StringComparer.Ordinal).ToArray();

    public ArrayInfo Describe(string name) => _arrays.TryGetValue(name, out var a) ? a.Info : throw new ArrayNotFoundException(name);

    public IArraySource Open(string name) => _arrays.TryGetValue(name, out var a) ? new Source(a.Info, a.Data) : throw new ArrayNotFoundException(name);

    /// <summary>What <see cref="IArraySource.Read"/> does over a C-order [channel, time] array held in memory.</summary>
    public static void ReadRows(float[] data, long samples, long channelStart, long channelCount, long channelStep,
        long timeStart, long timeCount, Span<float> destination)
    {
        for (long k = 0; k < channelCount; k++)
        {
            data.AsSpan((int)((channelStart + k * channelStep) * samples + timeStart), (int)timeCount)
                .CopyTo(destination.Slice((int)(k * timeCount), (int)timeCount));
        }
    }

    private sealed class Source(ArrayInfo info, float[] data) : IArraySource
    {
        public ArrayInfo Info => info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination) =>
            ReadRows(data, info.Layout.Shape[1], channelStart, channelCount, channelStep, timeStart, timeCount, destination);

        public void Dispose()
        {
        }
    }
}
