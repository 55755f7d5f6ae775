using System.Numerics;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core;

/// <summary>Plain vectorised C# kernels, parallel over channels. The reference every other backend is tested against.</summary>
public sealed partial class CpuBackend : IBackend
{
    public CpuBackend(int? maxDegreeOfParallelism = null)
    {
        MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount;
    }

    public int MaxDegreeOfParallelism { get; }

    public string Name => "cpu-vector";

    public string Device =>
        $"{Environment.ProcessorCount} threads, {(Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : $"Vector<{Vector<float>.Count}>")}";

    internal ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism };

    public void Dispose()
    {
    }
}
