using Grpc.Core;

namespace Resif.Gpu.Server.Limits.Internal;

/// <summary>At most N calls of one kind (<paramref name="what"/>: "reductions", "ingest streams") run; up to Q more wait in
/// order; beyond that, callers are refused at once.</summary>
internal sealed class AdmissionGate(int concurrent, int queued, string what)
{
    private readonly SemaphoreSlim _slots = new(concurrent, concurrent);
    private int _waiting;
    private long _admitted, _refused;

    public long Admitted => Interlocked.Read(ref _admitted);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Waits for a slot; dispose the result to free it.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0))
        {
            if (Interlocked.Increment(ref _waiting) > queued)
            {
                Interlocked.Decrement(ref _waiting);
                Interlocked.Increment(ref _refused);
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"server busy: {concurrent} {what} running and {queued} waiting; retry later"));
            }
            try
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        Interlocked.Increment(ref _admitted);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
