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

    /// <summary>Shortest time chunk the plan picks by itself: per-chunk costs (reads, held overlaps) stay small beside it.</summary>
    private const long MinTimeChunk = 16384;

    /// <summary>
    /// A time chunk's input is this share of the block budget: besides the chunk and the next one being read, a
    /// zero-phase stream holds its forward output and a reversed copy, and a later stream the same again. A 1 GB
    /// array (200 × 1.25 M) reduced by zero-phase bandpass then decimate peaked at 1.7 GB resident with whole-budget
    /// chunks (and ran out of a 768 MiB heap), at 0.49 GB with quarter-budget ones, no slower.
    /// </summary>
    private const int TimeChunkShare = 4;

    private ReductionPlan(ArrayInfo source, ResolvedSelection selection, IReadOnlyList<IOperation> operations,
        TensorLayout input, TensorLayout output, long channelsPerBlock, long timeChunkSamples)
    {
        TimeChunkSamples = timeChunkSamples;
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

    /// <summary>
    /// Time samples read per piece when each channel block streams along time through <see cref="ITimeStreamable"/>
    /// operations; 0 when every block is processed over the whole time window at once.
    /// </summary>
    public long TimeChunkSamples { get; }

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

    /// <summary>
    /// Validates a request and cuts the work into blocks of about <paramref name="blockBytes"/> input bytes. Blocks are
    /// channel ranges over the whole time window, unless every operation can stream along time
    /// (<see cref="ITimeStreamable"/>), the pipeline shortens the time axis (decimate, resample down, rms) and one
    /// SIMD group of channels over the whole window would exceed the budget, or <paramref name="timeChunkSamples"/>
    /// &gt; 0 forces it: then each channel block is read and processed in time chunks (memory: the budget, plus the
    /// held-back samples of the streams, plus the channel block's output, which is sent once the block is complete so
    /// that the output stays in C order).
    /// </summary>
    public static ReductionPlan Create(ArrayInfo source, ReductionRequest request, OperationRegistry registry,
        long defaultOutputBudget, long blockBytes = DefaultBlockBytes, long timeChunkSamples = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeChunkSamples);
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
        if (!operations.All(o => o.ChannelsIndependent)) return new ReductionPlan(source, selection, operations, input, layout, channelsPerBlock, 0);

        bool streamable = input.Shape.Count == 2 && layout.Shape.Count == 2 && operations.All(o => o is ITimeStreamable);
        long groupBytes = Math.Min(ChannelGroup, selection.ChannelCount) * selection.TimeCount * sizeof(float);
        // Only a pipeline that shortens the time axis gains from time chunks: otherwise a block's output is as large as
        // its whole-window input would have been.
        bool shortensTime = layout.Shape.Count == 2 && layout.Shape[1] < selection.TimeCount;
        if (streamable && (timeChunkSamples > 0 || (shortensTime && groupBytes > blockBytes)))
        {
            // The block's assembled output fits the budget, and a time chunk of at least MinTimeChunk samples its share.
            long outputRowBytes = layout.Shape[1] * sizeof(float), chunkBytes = blockBytes / TimeChunkShare;
            channelsPerBlock = Math.Clamp(Math.Min(blockBytes / outputRowBytes, chunkBytes / (MinTimeChunk * sizeof(float))), 1, selection.ChannelCount);
            channelsPerBlock = WholeGroups(channelsPerBlock, selection.ChannelCount);
            long chunk = timeChunkSamples > 0 ? timeChunkSamples : chunkBytes / (channelsPerBlock * sizeof(float));
            return new ReductionPlan(source, selection, operations, input, layout, channelsPerBlock, Math.Clamp(chunk, 1, selection.TimeCount));
        }
        channelsPerBlock = WholeGroups(Math.Clamp(blockBytes / (selection.TimeCount * sizeof(float)), 1, selection.ChannelCount), selection.ChannelCount);
        return new ReductionPlan(source, selection, operations, input, layout, channelsPerBlock, 0);
    }

    // Whole groups of the filter kernels' 16 SIMD lanes: a partial group costs as much as a full one.
    private static long WholeGroups(long channels, long total) =>
        channels >= ChannelGroup && channels < total ? channels - channels % ChannelGroup : channels;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Source.Name}: {string.Join("x", Input.Shape)} -> {string.Join("x", Output.Shape)} via {string.Join(" | ", Operations.Select(o => o.Name))}");
}
