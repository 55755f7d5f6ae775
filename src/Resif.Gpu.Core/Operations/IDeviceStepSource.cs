namespace Resif.Gpu.Core.Operations;

/// <summary>
/// An operation that can say what it does to a block as one backend kernel call (<see cref="DeviceStep"/>), so a
/// device backend may chain it with its neighbours without a round trip to the host (<see cref="IResidentPipelines"/>).
/// </summary>
public interface IDeviceStepSource
{
    /// <summary>
    /// The step for a block of layout <paramref name="input"/> (already accepted by <see cref="IOperation.Plan"/>),
    /// or null when this configuration is not described.
    /// </summary>
    DeviceStep? DeviceStep(TensorLayout input);
}
