using System.Diagnostics;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Timings for the device benchmark (bench `device`): the pieces of a resident pipeline measured apart, with the same
/// copies and kernels <see cref="RunResident"/> uses. Each returns the least wall time over the repeats.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Host-to-device copy of <paramref name="values"/> from a page-locked buffer on a copy stream, waited for.</summary>
    internal TimeSpan MeasureHostToDevice(ReadOnlySpan<float> values, int repeats)
    {
        using (EnterDevice())
        {
            using PageLockedArray1D<float> staging = accelerator.AllocatePageLocked1D<float>(values.Length, true);
            values.CopyTo(staging.Span);
            using DeviceTensor target = Allocate(1, values.Length);
            using AcceleratorStream stream = accelerator.CreateStream();
            return Least(repeats, () =>
            {
                target.View.CopyFrom(stream, staging.ArrayView);
                stream.Synchronize();
            });
        }
    }

    /// <summary>
    /// The host side of a streamed request's staging, as <see cref="RunResident"/> copies: the block into page-locked
    /// memory, and page-locked memory into a newly allocated output array (first touch of its pages included).
    /// </summary>
    internal (TimeSpan In, TimeSpan Out) MeasureStagingCopies(float[] values, int repeats)
    {
        PageLockedArray1D<float> staging;
        using (EnterDevice()) staging = RentStaging(values.Length);
        try
        {
            TimeSpan copyIn = Least(repeats, () => CopyInParallel(values.Length, (start, length) => values.AsSpan(start, length).CopyTo(staging.Span.Slice(start, length))));
            TimeSpan copyOut = Least(repeats, () =>
            {
                float[] output = GC.AllocateUninitializedArray<float>(values.Length);
                CopyInParallel(values.Length, (start, length) => staging.Span.Slice(start, length).CopyTo(output.AsSpan(start, length)));
            });
            return (copyIn, copyOut);
        }
        finally
        {
            using (EnterDevice()) ReturnStaging(staging);
        }
    }

    /// <summary>The chain of <paramref name="operations"/> on a block already on the device (uploaded once, not timed).</summary>
    internal TimeSpan MeasureResidentChain(IReadOnlyList<IOperation> operations, Block input, int repeats)
    {
        ChainPlan chain = PlanChain(operations, input.Layout) ?? throw new ArgumentException("some operation has no device step", nameof(operations));
        using DeviceTensor block = Upload(input.Values, input.Rows, input.Columns);
        return Least(repeats, () =>
        {
            // On a device copy of the block (timed too: one device-to-device copy), as the chain may work in place.
            using DeviceTensor result = RunChain(chain.Steps, Replica(block), CancellationToken.None);
            using (EnterDevice()) accelerator.Synchronize();
        });
    }

    /// <summary>A device copy of <paramref name="tensor"/> that the chain may consume.</summary>
    private DeviceTensor Replica(DeviceTensor tensor)
    {
        using (EnterDevice())
        {
            DeviceTensor copy = Allocate(tensor.Channels, tensor.Samples);
            copy.View.CopyFrom(tensor.View);
            return copy;
        }
    }

    /// <summary>The least wall time of <paramref name="repeats"/> runs (at least one).</summary>
    internal static TimeSpan Least(int repeats, Action run)
    {
        var least = TimeSpan.MaxValue;
        for (int i = 0; i < Math.Max(1, repeats); i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed < least) least = elapsed;
        }
        return least;
    }
}
