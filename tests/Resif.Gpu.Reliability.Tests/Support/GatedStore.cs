using Resif.Gpu.Core;

namespace Resif.Gpu.Reliability.Tests.Support;

/// <summary>Wraps a store so that every read waits at a gate: holds reductions in flight for admission and shutdown tests.</summary>
internal sealed class GatedStore(IArrayStore inner) : IArrayStore
{
    private readonly SemaphoreSlim _gate = new(0);
    private int _waiting;

    /// <summary>Reads currently held at the gate.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public void Open(int reads) => _gate.Release(reads);

    /// <summary>Lets every present and future read through.</summary>
    public void OpenForever() => _gate.Release(int.MaxValue / 2);

    public IReadOnlyList<string> List() => inner.List();

    public ArrayInfo Describe(string name) => inner.Describe(name);

    IArraySource IArrayStore.Open(string name) => new Source(this, inner.Open(name));

    public async Task WaitForHeldReadsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(Suite.HangLimit);
        while (Waiting < count) await Task.Delay(10, timeout.Token);
    }

    private sealed class Source(GatedStore store, IArraySource inner) : IArraySource
    {
        public ArrayInfo Info => inner.Info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            Interlocked.Increment(ref store._waiting);
            try
            {
                if (!store._gate.Wait(Suite.HangLimit)) throw new TimeoutException("the test gate never opened");
            }
            finally
            {
                Interlocked.Decrement(ref store._waiting);
            }
            inner.Read(channelStart, channelCount, channelStep, timeStart, timeCount, destination);
        }

        public void Dispose() => inner.Dispose();
    }
}
