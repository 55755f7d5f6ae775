using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Core;

/// <summary>
/// Optional on an <see cref="IBackend"/> with its own memory (a GPU): runs a whole pipeline on a channel block with one
/// upload and one download, keeping intermediate results on the device. The executor asks first; when this returns
/// null (an operation without a <see cref="DeviceStep"/>, a step the device lacks, a device failure) it runs the
/// operations one by one as usual.
/// </summary>
public interface IResidentPipelines
{
    /// <summary>
    /// The block after every operation, with the layout the operations plan, or null without having changed
    /// <paramref name="input"/>.
    /// </summary>
    Block? TryRunResident(IReadOnlyList<IOperation> operations, Block input, CancellationToken cancellationToken);
}
