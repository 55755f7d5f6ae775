using System.Diagnostics;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// A registry whose operations behave exactly as the given one's but record the time each spends on a block in
/// <see cref="ServerMetrics.KernelTime"/>, tagged with the operation name.
/// </summary>
internal static class TimedOperations
{
    public static OperationRegistry Wrap(OperationRegistry registry, ServerMetrics metrics) =>
        new(registry.Descriptors.Select(d => new TimedDescriptor(d, metrics)));

    private sealed class TimedDescriptor(OperationDescriptor inner, ServerMetrics metrics) : OperationDescriptor
    {
        public override string Name => inner.Name;

        public override string Description => inner.Description;

        public override IReadOnlyList<ParameterSpec> Parameters => inner.Parameters;

        public override IOperation Create(ParameterSet parameters) => new TimedOperation(inner.Create(parameters), metrics);
    }

    private sealed class TimedOperation(IOperation inner, ServerMetrics metrics) : IOperation
    {
        public string Name => inner.Name;

        public IReadOnlyDictionary<string, string> Parameters => inner.Parameters;

        public bool ChannelsIndependent => inner.ChannelsIndependent;

        public TensorLayout Plan(TensorLayout input) => inner.Plan(input);

        public Block Run(Block input, IBackend backend)
        {
            long start = Stopwatch.GetTimestamp();
            var output = inner.Run(input, backend);
            metrics.KernelTime.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("operation", inner.Name));
            return output;
        }
    }
}
