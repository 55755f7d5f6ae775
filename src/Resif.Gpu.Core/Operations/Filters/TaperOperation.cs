using Resif.Gpu.Core.Operations.Filters.Internal;
using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Filters;

/// <summary><c>taper:max_percentage=0.05,type=hann</c>: ObsPy <c>Trace.taper</c> on both ends.</summary>
public sealed class TaperDescriptor : OperationDescriptor
{
    public static TaperDescriptor Instance { get; } = new();

    public override string Name => "taper";

    public override string Description => "ObsPy Trace.taper: Hann half-windows of max_percentage x npts samples at both ends; streams over time chunks exactly";

    public override IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        ParameterSpec.Number("max_percentage", 0.05, "taper length at each end as a fraction of the samples (0..0.5)"),
        ParameterSpec.Choice("type", "hann", "window shape", "hann"),
    ];

    public override IOperation Create(ParameterSet parameters) => new TaperOperation(parameters);
}

/// <summary>Streams over time chunks exactly: the weights of each chunk come from the whole window's length.</summary>
public sealed class TaperOperation : IOperation, ITimeStreamable, IDeviceStepSource
{
    private readonly ParameterSet _parameters;
    private readonly double _maxPercentage;

    internal TaperOperation(ParameterSet parameters)
    {
        _parameters = parameters;
        _maxPercentage = parameters.Number("max_percentage");
        if (!(_maxPercentage >= 0 && _maxPercentage <= 0.5)) throw parameters.Invalid("max_percentage", $"must be in [0, 0.5], got {_maxPercentage}");
    }

    public string Name => "taper";

    public IReadOnlyDictionary<string, string> Parameters => _parameters.Values;

    public bool ChannelsIndependent => true;

    public TensorLayout Plan(TensorLayout input)
    {
        TimeAxis.Of(input, _parameters, Name);
        return input;
    }

    public DeviceStep DeviceStep(TensorLayout input) => new MultiplyColumnsStep(Weights(TimeAxis.Of(input, _parameters, Name).Samples, _maxPercentage));

    public Block Run(Block input, IBackend backend)
    {
        var (samples, _) = TimeAxis.Of(input.Layout, _parameters, Name);
        backend.Filters.MultiplyColumns(input.Values, input.Rows, input.Columns, Weights(samples, _maxPercentage));
        return input;
    }

    public IOperationStream Open(TensorLayout window, IBackend backend)
    {
        var (samples, _) = TimeAxis.Of(window, _parameters, Name);
        return new SampleWiseStream(window, (chunk, first) =>
            backend.Filters.MultiplyColumns(chunk.Values, chunk.Rows, chunk.Columns, Weights(samples, _maxPercentage, first, chunk.Columns)));
    }

    /// <summary>
    /// ObsPy's taper: half-length <c>wlen = min(int(p·n), int(n/2))</c>; the sides are the first and last wlen
    /// points of a symmetric Hann window of 2·wlen points (when that is n) or 2·wlen + 1 points; ones between.
    /// </summary>
    public static double[] Weights(int samples, double maxPercentage) => Weights(samples, maxPercentage, 0, samples);

    /// <summary>The weights of samples [first, first + count) of a window of <paramref name="samples"/> samples.</summary>
    public static double[] Weights(int samples, double maxPercentage, long first, int count)
    {
        int halfLength = Math.Min((int)(maxPercentage * samples), samples / 2);
        int windowLength = 2 * halfLength == samples ? 2 * halfLength : 2 * halfLength + 1;
        var weights = new double[count];
        for (int j = 0; j < count; j++)
        {
            // The Hann window is symmetric: its last wlen points mirror the first.
            long i = first + j, fromEdge = Math.Min(i, samples - 1 - i);
            weights[j] = fromEdge < halfLength ? 0.5 - 0.5 * Math.Cos(2 * Math.PI * fromEdge / (windowLength - 1)) : 1.0;
        }
        return weights;
    }
}
