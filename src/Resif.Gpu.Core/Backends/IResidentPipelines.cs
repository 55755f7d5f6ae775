using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Core;

/// <summary>
/// Optional on an <see cref="IBackend"/> with its own memory (a GPU): runs a whole pipeline on a channel block with one
/// upload and one download, keeping intermediate results on the device. The executor asks first; when the device
/// declines a block (an operation without a <see cref="DeviceStep"/>, a step the device lacks, a device failure) it
/// runs the operations one by one as usual.
/// </summary>
public interface IResidentPipelines
{
    /// <summary>
    /// The block after every operation, with the layout the operations plan, or null without having changed
    /// <paramref name="input"/>. Synchronous: upload, chain, download.
    /// </summary>
    Block? TryRunResident(IReadOnlyList<IOperation> operations, Block input, CancellationToken cancellationToken);

    /// <summary>
    /// The same pipeline over a sequence of channel blocks, pulled from <paramref name="blocks"/> one ahead of the
    /// block being computed so the device can copy the next block in (and the previous result out) while it
    /// computes. Yields one <see cref="ResidentResult"/> per block, in order; a result without output means the
    /// device declined that block (its input is unchanged) and the caller runs the operations one by one. Each
    /// output has the bytes <see cref="TryRunResident"/> gives for that block. Cancellation throws from the
    /// enumeration after the device has let go of every buffer.
    /// </summary>
    IEnumerable<ResidentResult> RunResident(IReadOnlyList<IOperation> operations, IEnumerable<Block> blocks, CancellationToken cancellationToken);
}

/// <summary>One block of <see cref="IResidentPipelines.RunResident"/>: its input and, unless the device declined it, its output.</summary>
public sealed record ResidentResult(Block Input, Block? Output);
