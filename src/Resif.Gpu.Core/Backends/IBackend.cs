namespace Resif.Gpu.Core;

/// <summary>
/// Where the numeric kernels run: the vectorised CPU backend here, ILGPU devices in Resif.Gpu.Kernels.
/// Every kernel works on channel-major float32 blocks [rows = channels, columns = samples] in place
/// unless it says otherwise, and gives the same numbers as the CPU backend within a stated tolerance.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Short backend name for provenance: "cpu-vector", "ilgpu-cuda", "ilgpu-cpu", ...</summary>
    string Name { get; }

    /// <summary>Human-readable device description (model, lanes, threads).</summary>
    string Device { get; }
}
