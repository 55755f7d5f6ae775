using Resif.Gpu.Core.Operations.Filters.Internal;

namespace Resif.Gpu.Core.Operations.Filters;

/// <summary><c>detrend:type=linear|demean</c>: ObsPy <c>Trace.detrend</c> / <c>scipy.signal.detrend</c> per channel.</summary>
public sealed class DetrendDescriptor : OperationDescriptor
{
    public static DetrendDescriptor Instance { get; } = new();

    public override string Name => "detrend";

    public override string Description => "remove the mean (demean) or the least-squares line (linear) of each channel; needs the whole window (no time chunks)";

    public override IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        ParameterSpec.Choice("type", "linear", "linear = scipy.signal.detrend default, demean = subtract the mean", "linear", "demean"),
    ];

    public override IOperation Create(ParameterSet parameters) => new DetrendOperation(parameters);
}

public sealed class DetrendOperation : IOperation, IDeviceStepSource
{
    private readonly ParameterSet _parameters;
    private readonly DetrendType _type;

    internal DetrendOperation(ParameterSet parameters)
    {
        _parameters = parameters;
        _type = parameters.Text("type") == "demean" ? DetrendType.Demean : DetrendType.Linear;
    }

    public string Name => "detrend";

    public IReadOnlyDictionary<string, string> Parameters => _parameters.Values;

    public bool ChannelsIndependent => true;

    public TensorLayout Plan(TensorLayout input)
    {
        TimeAxis.Of(input, _parameters, Name);
        return input;
    }

    public DeviceStep DeviceStep(TensorLayout input) => new DetrendStep(_type);

    public Block Run(Block input, IBackend backend)
    {
        backend.Filters.Detrend(input.Values, input.Rows, input.Columns, _type);
        return input;
    }
}
