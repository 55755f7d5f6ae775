namespace Resif.Gpu.Core.Operations;

/// <summary>
/// One configured step of a pipeline. Created by its <see cref="OperationDescriptor"/> from validated parameters.
/// </summary>
public interface IOperation
{
    string Name { get; }

    /// <summary>Every parameter as understood, defaults included: recorded in the result's provenance.</summary>
    IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>
    /// True when each channel (first dimension) is processed on its own, so the executor may run the
    /// operation on any block of channels. False (FK, beamforming) means all channels at once.
    /// </summary>
    bool ChannelsIndependent { get; }

    /// <summary>
    /// The output layout for an input layout, without touching data. Throws <see cref="InvalidRequestException"/>
    /// when the parameters do not fit the data (e.g. a corner frequency above Nyquist).
    /// </summary>
    TensorLayout Plan(TensorLayout input);

    /// <summary>Runs on one block whose layout was accepted by <see cref="Plan"/>; may reuse the input buffer.</summary>
    Block Run(Block input, IBackend backend);
}

/// <summary>Names, documents and builds one kind of operation.</summary>
public abstract class OperationDescriptor
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Builds the operation; <paramref name="parameters"/> is already checked against <see cref="Parameters"/>.</summary>
    public abstract IOperation Create(ParameterSet parameters);
}
