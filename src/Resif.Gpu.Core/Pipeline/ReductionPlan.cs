using System.Globalization;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Core.Pipeline;

/// <summary>A request as the service receives it, before validation.</summary>
public sealed record ReductionRequest(string Array, Selection Selection, IReadOnlyList<OperationRequest> Operations, long MaxOutputBytes = 0);

/// <summary>One entry of a result's provenance: what was done, with every parameter.</summary>
public sealed record ProvenanceStep(string Name, IReadOnlyDictionary<string, string> Parameters);

/// <summary>
/// A validated request: the resolved selection, the configured operations, the output layout and how the work
/// is cut into blocks. Built before any data is read, so that bad requests fail fast and over-budget ones are
/// refused before work starts.
/// </summary>
public sealed class ReductionPlan
{
    /// <summary>Input bytes aimed at per block: big enough for SIMD and parallel loops, small enough to bound memory.</summary>
    public const long DefaultBlockBytes = 32L << 20;

    private const int ChannelGroup = 16;

    private ReductionPlan(ArrayInfo source, ResolvedSelection selection, IReadOnlyList<IOperation> operations,
        TensorLayout input, TensorLayout output, long channelsPerBlock)
    {
        Source = source;
        Selection = selection;
        Operations = operations;
        Input = input;
        Output = output;
        ChannelsPerBlock = channelsPerBlock;
    }

    public ArrayInfo Source { get; }

    public ResolvedSelection Selection { get; }

    public IReadOnlyList<IOperation> Operations { get; }

    /// <summary>Layout of the selected data, before the first operation.</summary>
    public TensorLayout Input { get; }

    public TensorLayout Output { get; }

    /// <summary>Channels read and processed together; the whole selection when an operation mixes channels.</summary>
    public long ChannelsPerBlock { get; }

    public IReadOnlyList<ProvenanceStep> Provenance =>
    [
        new("select", new Dictionary<string, string>
        {
            ["array"] = Source.Name,
            ["channels"] = $"{Selection.ChannelStart}:{Selection.ChannelStart + Selection.ChannelCount * Selection.ChannelStep}:{Selection.ChannelStep}",
            ["time_samples"] = $"{Selection.TimeStart}:{Selection.TimeStart + Selection.TimeCount}",
        }),
        .. Operations.Select(o => new ProvenanceStep(o.Name, o.Parameters)),
    ];

    public static ReductionPlan Create(ArrayInfo source, ReductionRequest request, OperationRegistry registry,
        long defaultOutputBudget, long blockBytes = DefaultBlockBytes)
    {
        var selection = request.Selection.Resolve(source.Layout);
        var input = selection.Apply(source.Layout);
        var operations = request.Operations.Select((o, i) => registry.Create(o, i)).ToArray();

        var layout = input;
        for (int i = 0; i < operations.Length; i++)
        {
            layout = operations[i].Plan(layout);
            if (layout.ElementCount == 0) throw new InvalidRequestException($"operations[{i}]", "leaves no data");
        }

        long budget = request.MaxOutputBytes > 0 ? request.MaxOutputBytes : defaultOutputBudget;
        if (request.MaxOutputBytes < 0) throw new InvalidRequestException("max_output_bytes", "must be >= 0");
        if (budget > 0 && layout.ByteCount > budget) throw new OutputBudgetExceededException(layout.ByteCount, budget);

        long channelsPerBlock = selection.ChannelCount;
        if (operations.All(o => o.ChannelsIndependent))
        {
            channelsPerBlock = Math.Clamp(blockBytes / (selection.TimeCount * sizeof(float)), 1, selection.ChannelCount);
            // Whole groups of the filter kernels' 16 SIMD lanes: a partial group costs as much as a full one.
            if (channelsPerBlock >= ChannelGroup && channelsPerBlock < selection.ChannelCount) channelsPerBlock -= channelsPerBlock % ChannelGroup;
        }
        return new ReductionPlan(source, selection, operations, input, layout, channelsPerBlock);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Source.Name}: {string.Join("x", Input.Shape)} -> {string.Join("x", Output.Shape)} via {string.Join(" | ", Operations.Select(o => o.Name))}");
}
