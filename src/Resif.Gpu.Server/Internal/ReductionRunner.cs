using System.Runtime.CompilerServices;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// Plans and runs one wire request against a store and a backend, answering wire messages. The gRPC service streams
/// them; the CLI's embedded path consumes them directly, so both give the same bytes.
/// </summary>
internal sealed class ReductionRunner(IArrayStore store, OperationRegistry registry, IBackend backend, long defaultOutputBudget)
{
    public IArrayStore Store => store;

    public OperationRegistry Registry => registry;

    public IBackend Backend => backend;

    /// <summary>Validates and plans before yielding anything, so bad requests fail before the first message.</summary>
    public IAsyncEnumerable<V1.ReduceResponse> RunAsync(V1.ReduceRequest request, CancellationToken cancellationToken)
    {
        var coreRequest = ProtoMapping.ToCore(request);
        var plan = ReductionPlan.Create(store.Describe(coreRequest.Array), coreRequest, registry, defaultOutputBudget);
        return StreamAsync(plan, cancellationToken);
    }

    private async IAsyncEnumerable<V1.ReduceResponse> StreamAsync(ReductionPlan plan, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var source = store.Open(plan.Source.Name);
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend, cancellationToken).ConfigureAwait(false))
        {
            yield return ProtoMapping.ToProto(part);
        }
    }
}
