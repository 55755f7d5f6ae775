namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>A descriptor defined by its name, documentation, parameters and a factory.</summary>
internal sealed class SpectralOperationDescriptor(string name, string description, IReadOnlyList<ParameterSpec> parameters,
    Func<ParameterSet, IOperation> create) : OperationDescriptor
{
    public override string Name => name;

    public override string Description => description;

    public override IReadOnlyList<ParameterSpec> Parameters => parameters;

    public override IOperation Create(ParameterSet parameters) => create(parameters);
}

/// <summary>Base of the spectral operations: name and normalised parameters recorded for provenance.</summary>
internal abstract class SpectralOperation(string name, ParameterSet parameters) : IOperation, IDeviceStepSource
{
    public string Name => name;

    public IReadOnlyDictionary<string, string> Parameters => parameters.Values;

    protected ParameterSet Set => parameters;

    public abstract bool ChannelsIndependent { get; }

    public abstract TensorLayout Plan(TensorLayout input);

    public abstract Block Run(Block input, IBackend backend);

    /// <summary>None by default: FK, beams and station beams mix channels and have no single-kernel description.</summary>
    public virtual DeviceStep? DeviceStep(TensorLayout input) => null;
}
