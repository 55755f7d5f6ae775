namespace Resif.Gpu.Core;

/// <summary>
/// Where the numeric kernels run: the vectorised CPU backend here, ILGPU devices in Resif.Gpu.Kernels.
/// Kernels are grouped by family; every kernel works on channel-major float32 blocks
/// [rows = channels, columns = samples] and gives the same numbers as the CPU backend within a stated tolerance.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Short backend name for provenance: "cpu-vector", "ilgpu-cuda", "ilgpu-cpu", ...</summary>
    string Name { get; }

    /// <summary>Human-readable device description (model, lanes, threads).</summary>
    string Device { get; }

    /// <summary>Recursive and FIR filtering, decimation, detrend and taper.</summary>
    IFilterKernels Filters { get; }

    /// <summary>FFTs, FK, beamforming, envelopes and detectors.</summary>
    ISpectralKernels Spectral { get; }
}

/// <summary>Chooses and builds backends; lists every device it looked at and why one is unusable.</summary>
public interface IBackendProvider
{
    IReadOnlyList<ComputeDevice> Devices { get; }

    /// <summary>Builds the backend for a device id or kind ("auto", "cpu", "ilgpu-cpu", "cuda", "opencl", "cuda:0").</summary>
    IBackend Create(string device);
}

/// <summary>A compute device as discovered: <see cref="Reason"/> says why it is unusable (or notes when usable).</summary>
public sealed record ComputeDevice(string Id, string Name, string Kind, bool Usable, string Reason, long MemoryBytes = 0);
