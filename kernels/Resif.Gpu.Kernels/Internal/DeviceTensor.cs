using ILGPU;
using ILGPU.Runtime;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// A channel-major float32 block living in accelerator memory, so a chain of kernels can run without a round trip
/// to the host between operations.
/// </summary>
internal sealed class DeviceTensor(MemoryBuffer1D<float, Stride1D.Dense> buffer, int channels, int samples) : IDisposable
{
    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;

    public int Channels { get; } = channels;

    public int Samples { get; } = samples;

    public ArrayView<float> View => Buffer.View;

    public void Dispose() => Buffer.Dispose();
}
