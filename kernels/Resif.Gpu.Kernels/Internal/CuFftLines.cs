using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Util;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// Batched complex float32 FFTs through NVIDIA's cuFFT (ILGPU.Algorithms' binding, which loads libcufft.so.12, .11 or
/// .10: the CUDA toolkit's or the nvidia-cufft wheel's library, not part of a driver-only install). Plans are made once
/// per shape and kept (making one costs milliseconds) and run on the accelerator's default stream, so they order with
/// our kernels. cuFFT's inverse is unscaled: callers scale by 1/n. Not thread safe: used inside the backend's device lock.
/// </summary>
internal sealed class CuFftLines : IDisposable
{
    private const int MaxPlans = 16;

    private readonly CuFFT library;
    private readonly CudaStream stream;
    private readonly Dictionary<PlanShape, CuFFTPlan> plans = [];

    private CuFftLines(CuFFT library, CudaStream stream)
    {
        this.library = library;
        this.stream = stream;
    }

    /// <summary>cuFFT for a CUDA accelerator whose libcufft loads, else null and the reason.</summary>
    public static CuFftLines? TryOpen(Accelerator accelerator, out string reason)
    {
        if (accelerator is not CudaAccelerator || accelerator.DefaultStream is not CudaStream stream)
        {
            reason = $"cuFFT needs a CUDA accelerator, this one is {accelerator.AcceleratorType}";
            return null;
        }
        try
        {
            var library = new CuFFT();
            CuFFTException.ThrowIfFailed(library.API.GetVersion(out int version));
            reason = $"cuFFT {version}";
            return new CuFftLines(library, stream);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or CuFFTException)
        {
            reason = $"libcufft did not load ({e.GetType().Name}: {e.Message})";
            return null;
        }
    }

    /// <summary>
    /// In-place transform of <paramref name="lines"/> lines of <paramref name="length"/> complex values (layout as in
    /// <see cref="FftPass"/>); false when cuFFT cannot plan that shape (the caller uses its own kernels).
    /// </summary>
    public bool TryTransformLines(ArrayView<float> work, int lines, int length, int lineStride, int elementStride, bool inverse) =>
        TryExecute(new PlanShape(1, length, 0, lines, lineStride, elementStride), work, inverse);

    /// <summary>In-place 2-D transform of a contiguous row-major [rows, columns] complex block; false when cuFFT cannot plan it.</summary>
    public bool TryTransform2D(ArrayView<float> work, int rows, int columns, bool inverse) =>
        TryExecute(new PlanShape(2, rows, columns, Lines: 1, LineStride: rows * columns, ElementStride: 1), work, inverse);

    private bool TryExecute(PlanShape shape, ArrayView<float> work, bool inverse)
    {
        if (!plans.TryGetValue(shape, out CuFFTPlan? plan))
        {
            plan = MakePlan(shape);
            if (plan is null) return false;
            if (plans.Count >= MaxPlans) Clear();
            plans.Add(shape, plan);
        }
        ArrayView<Float2> complex = work.Cast<Float2>();
        CuFFTException.ThrowIfFailed(plan.ExecC2C(complex, complex, inverse ? CuFFTDirection.INVERSE : CuFFTDirection.FORWARD));
        return true;
    }

    /// <summary>A plan of the shape on our stream, or null when cuFFT refuses it (size, work area too large for the device).</summary>
    private CuFFTPlan? MakePlan(PlanShape shape)
    {
        int[] dimensions = shape.Rank == 1 ? [shape.First] : [shape.First, shape.Second];
        // Non-null embeds make cuFFT honour the strides; for a 2-D plan they equal the dimensions (contiguous block).
        int[] embed = shape.Rank == 1 ? [shape.First * shape.ElementStride] : dimensions;
        if (library.PlanMany(out CuFFTPlan? plan, shape.Rank, dimensions, embed, shape.ElementStride, shape.LineStride,
                embed, shape.ElementStride, shape.LineStride, CuFFTType.CUFFT_C2C, shape.Lines) != CuFFTResult.CUFFT_SUCCESS || plan is null)
        {
            return null;
        }
        plan.SetStream(stream);
        return plan;
    }

    private void Clear()
    {
        foreach (CuFFTPlan plan in plans.Values) plan.Dispose();
        plans.Clear();
    }

    public void Dispose() => Clear();

    private readonly record struct PlanShape(int Rank, int First, int Second, int Lines, int LineStride, int ElementStride);
}
