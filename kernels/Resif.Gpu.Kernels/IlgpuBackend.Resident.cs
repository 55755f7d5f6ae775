using System.Diagnostics;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Data-resident pipelines: when every operation describes itself as a <see cref="DeviceStep"/> this device runs, the
/// block is uploaded once, the steps are chained on <see cref="DeviceTensor"/>s and only the result is downloaded.
/// </summary>
public sealed partial class IlgpuBackend : IResidentPipelines
{
    /// <summary>
    /// Device memory a resident chain may need, in multiples of its widest stage: the stage's input, its output, the
    /// SOS cascade's float32 work copy with its odd padding, and a margin for the cascade's per-segment states.
    /// </summary>
    private const long ResidentMemoryFactor = 5;

    /// <summary>Share of the device memory one request's resident chain may use, unless the provider says otherwise.</summary>
    public const double DefaultMemoryFraction = 0.8;

    private const string ResidentPipelineKernel = "ResidentPipeline";

    private long memoryBudgetBytes;

    /// <summary>
    /// Device memory one resident chain may use (default <see cref="DefaultMemoryFraction"/> of the device): a block
    /// whose chain needs more is cut into channel sub-blocks by <see cref="RunResident"/>, and declined by
    /// <see cref="TryRunResident"/>.
    /// </summary>
    public long MemoryBudgetBytes
    {
        get => Interlocked.Read(ref memoryBudgetBytes);
        set => Interlocked.Exchange(ref memoryBudgetBytes, value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive"));
    }

    /// <summary>Sets <see cref="MemoryBudgetBytes"/> to this share (0 &lt; fraction ≤ 1) of the device's memory.</summary>
    public void UseMemoryFraction(double fraction) =>
        MemoryBudgetBytes = fraction is > 0 and <= 1
            ? Math.Max(1, (long)(fraction * accelerator.MemorySize))
            : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be in (0, 1]");

    /// <summary>What a pipeline does to a block on this device, or null when some operation has no step this device runs.</summary>
    private sealed record ChainPlan(IReadOnlyList<DeviceStep> Steps, TensorLayout Output, long WidestRowBytes, bool MixesChannels)
    {
        /// <summary>Device memory the chain needs per channel (row) of a block.</summary>
        public long BytesPerRow => ResidentMemoryFactor * WidestRowBytes;
    }

    private static ChainPlan? PlanChain(IReadOnlyList<IOperation> operations, TensorLayout layout)
    {
        // An empty block has nothing to move: the operations' own checks handle it on the normal path.
        if (layout.Type != ElementType.Float32 || layout.Shape.Count != 2 || layout.ElementCount is 0 or > int.MaxValue) return null;
        long rows = layout.Shape[0], widest = layout.ByteCount / rows;
        bool mixesChannels = false;
        var steps = new List<DeviceStep>(operations.Count);
        foreach (IOperation operation in operations)
        {
            if (operation is not IDeviceStepSource source || source.DeviceStep(layout) is not { } step || !RunsOnDevice(step, layout)) return null;
            steps.Add(step);
            mixesChannels |= step is FkMaskStep;
            layout = operation.Plan(layout);
            if (layout.Type != ElementType.Float32 || layout.Shape.Count != 2 || layout.Shape[0] != rows || layout.ElementCount > int.MaxValue) return null;
            widest = Math.Max(widest, layout.ByteCount / rows);
        }
        return new ChainPlan(steps, layout, widest, mixesChannels);
    }

    public Block? TryRunResident(IReadOnlyList<IOperation> operations, Block input, CancellationToken cancellationToken)
    {
        if (DisabledReason is not null || PlanChain(operations, input.Layout) is not { } chain) return null;
        if (chain.BytesPerRow * input.Rows > MemoryBudgetBytes) return null;
        try
        {
            using DeviceTensor result = RunChain(chain.Steps, Upload(input.Values, input.Rows, input.Columns), cancellationToken);
            var output = new float[chain.Output.ElementCount];
            Download(result, output);
            return new Block(chain.Output, output);
        }
        catch (Exception e) when (FallsBack(ResidentPipelineKernel, e))
        {
            // The host block was only read: the executor reruns the operations one by one from it.
            return null;
        }
    }

    /// <summary>Every step on the tensor; on failure the tensor then in use is released.</summary>
    private DeviceTensor RunChain(IReadOnlyList<DeviceStep> steps, DeviceTensor tensor, CancellationToken cancellationToken)
    {
        try
        {
            foreach (DeviceStep step in steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                tensor = Apply(step, tensor);
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Steps this device runs on a block of <paramref name="layout"/>; the others send the block down the normal path.</summary>
    private static bool RunsOnDevice(DeviceStep step, TensorLayout layout) => step switch
    {
        MultiplyColumnsStep m => m.Weights.Length == layout.Shape[1],
        FkMaskStep f => f.Mask.LongLength == layout.ElementCount,
        SosFilterStep or SosFilterDecimateStep or FirResampleStep or DetrendStep or AbsStep or NormalizeStep or StaLtaStep or WindowRmsStep
            or EnvelopeStep or PassThroughStep => true,
        _ => false, // a step type newer than this backend
    };

    /// <summary>Runs one step on the tensor: in place (same tensor back), or into a new tensor (the old one released).</summary>
    private DeviceTensor Apply(DeviceStep step, DeviceTensor tensor)
    {
        switch (step)
        {
            case SosFilterStep s:
                SosFilter(tensor, s.Sections, s.Mode);
                return tensor;
            case SosFilterDecimateStep s:
                SosFilter(tensor, s.Sections, s.Mode);
                return Replace(tensor, Downsample(tensor, s.Factor));
            case FirResampleStep f:
                return Replace(tensor, FirResample(tensor, f.Taps, f.Up, f.Down, f.Delay, ResampledLength(tensor.Samples, f.Up, f.Down)));
            case DetrendStep d:
                Detrend(tensor, linear: d.Type == DetrendType.Linear);
                return tensor;
            case MultiplyColumnsStep m:
                MultiplyColumns(tensor, m.Weights);
                return tensor;
            case AbsStep:
                Abs(tensor);
                return tensor;
            case NormalizeStep n:
                Normalize(tensor, n.ByStd);
                return tensor;
            case StaLtaStep s:
                return Replace(tensor, StaLta(tensor, s.ShortWindow, s.LongWindow, s.Recursive));
            case WindowRmsStep w:
                return Replace(tensor, WindowRms(tensor, w.Window));
            case EnvelopeStep:
                Envelope(tensor);
                return tensor;
            case FkMaskStep f:
                FkMask(tensor, f.Mask);
                return tensor;
            case PassThroughStep:
                return tensor;
            default:
                throw new UnreachableException($"{step.GetType().Name} passed {nameof(RunsOnDevice)} without a device implementation");
        }
    }

    /// <summary>Releases <paramref name="consumed"/> once the kernels reading it have finished.</summary>
    private DeviceTensor Replace(DeviceTensor consumed, DeviceTensor next)
    {
        try
        {
            using (EnterDevice()) accelerator.Synchronize();
        }
        catch
        {
            next.Dispose();
            throw;
        }
        consumed.Dispose();
        return next;
    }
}
