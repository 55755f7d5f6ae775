using System.Numerics;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core;

/// <summary>
/// Plain vectorised C# kernels, parallel over channels: the backend used when no GPU is present and the reference
/// every other backend is tested against. Kernel families live in partial files (CpuBackend.Filters.cs, ...).
/// </summary>
public sealed partial class CpuBackend : IBackend, IFilterKernels, ISpectralKernels
{
    public CpuBackend(int? maxDegreeOfParallelism = null)
    {
        MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount;
    }

    public int MaxDegreeOfParallelism { get; }

    public string Name => "cpu-vector";

    public string Device =>
        $"CPU, {MaxDegreeOfParallelism} threads, {(Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : $"Vector<float>[{Vector<float>.Count}]")}";

    public IFilterKernels Filters => this;

    public ISpectralKernels Spectral => this;

    internal ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism };

    public void Dispose()
    {
    }
}

/// <summary>The provider when only the CPU backend exists (no ILGPU project loaded).</summary>
public sealed class CpuBackendProvider : IBackendProvider
{
    public IReadOnlyList<ComputeDevice> Devices { get; } =
        [new ComputeDevice("cpu", "vectorised CPU", "cpu", true, $"{Environment.ProcessorCount} threads")];

    public IBackend Create(string device) => device is "auto" or "cpu"
        ? new CpuBackend()
        : throw new InvalidRequestException("device", $"'{device}' is not available here; known: auto, cpu");
}
