using Resif.Gpu.Core;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests.Support;

/// <summary>
/// In-memory <see cref="IArrayStore"/> test double. Arrays are synthetic scenes (held in memory) or generated on the fly;
/// it counts reads and disposals and can hold reads at a gate or make them fail, to test cancellation and error mapping.
/// </summary>
internal sealed class TestStore : IArrayStore
{
    private readonly Dictionary<string, Entry> _arrays = new(StringComparer.Ordinal);

    public delegate void Reader(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination);

    private sealed record Entry(ArrayInfo Info, Reader Read);

    public int Reads;
    public int OpenSources;

    /// <summary>When set, every read waits for a permit (with a timeout so a broken test cannot hang).</summary>
    public SemaphoreSlim? Gate { get; set; }

    /// <summary>When set, reads throw this.</summary>
    public Exception? ReadFailure { get; set; }

    public TestStore AddScene(SyntheticScene scene, out float[] data)
    {
        var values = scene.Generate();
        data = values;
        long samples = scene.Samples;
        return Add(scene.Name, scene.Layout, (c0, cn, cs, t0, tn, destination) =>
            InMemoryArrayStore.ReadRows(values, samples, c0, cn, cs, t0, tn, destination));
    }

    /// <summary>An array whose value at (channel, sample) is channel + sample / 1e6, generated when read.</summary>
    public TestStore AddGenerated(string name, long channels, long samples, double timeStep) =>
        Add(name, new TensorLayout(["channel", "time"], [channels, samples],
            [new Coordinate("channel", "m", channels, 0, 1), new Coordinate("time", "s", samples, 0, timeStep)], "counts"),
            (c0, cn, cs, t0, tn, destination) =>
            {
                for (long c = 0; c < cn; c++)
                {
                    for (long t = 0; t < tn; t++) destination[(int)(c * tn + t)] = (float)(c0 + c * cs + (t0 + t) / 1e6);
                }
            });

    public TestStore Add(string name, TensorLayout layout, Reader read)
    {
        _arrays[name] = new Entry(new ArrayInfo(name, layout, new Dictionary<string, string> { ["source"] = "test" }), read);
        return this;
    }

    public IReadOnlyList<string> List() => _arrays.Keys.Order(StringComparer.Ordinal).ToArray();

    public ArrayInfo Describe(string name) => _arrays.TryGetValue(name, out var entry) ? entry.Info : throw new ArrayNotFoundException(name);

    public IArraySource Open(string name)
    {
        var entry = _arrays.TryGetValue(name, out var e) ? e : throw new ArrayNotFoundException(name);
        Interlocked.Increment(ref OpenSources);
        return new Source(this, entry);
    }

    private sealed class Source(TestStore store, Entry entry) : IArraySource
    {
        private bool _disposed;

        public ArrayInfo Info => entry.Info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            if (store.Gate is { } gate && !gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("test gate never opened");
            Interlocked.Increment(ref store.Reads);
            if (store.ReadFailure is { } failure) throw failure;
            entry.Read(channelStart, channelCount, channelStep, timeStart, timeCount, destination);
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Interlocked.Decrement(ref store.OpenSources);
        }
    }
}
