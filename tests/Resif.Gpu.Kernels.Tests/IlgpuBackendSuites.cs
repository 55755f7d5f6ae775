using Resif.Gpu.Core;
using Resif.Gpu.Core.Tests.Backends;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>The shared backend suite on ILGPU's CPU accelerator: the kernels' logic, emulated thread by thread.</summary>
public sealed class IlgpuCpuBackendSuite : BackendSuite
{
    protected override IBackend CreateBackend() => TestDevices.Open("ilgpu-cpu");
}

/// <summary>The shared backend suite on the first usable CUDA device; skipped, with the reason, where there is none.</summary>
[RequiresDevice("cuda")]
public sealed class CudaBackendSuite : BackendSuite
{
    protected override IBackend CreateBackend() => TestDevices.Open("cuda");
}

/// <summary>The shared backend suite on the first usable OpenCL device; skipped, with the reason, where there is none.</summary>
[RequiresDevice("opencl")]
public sealed class OpenClBackendSuite : BackendSuite
{
    protected override IBackend CreateBackend() => TestDevices.Open("opencl");
}
