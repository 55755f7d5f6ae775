namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>The shared backend suite on the vectorised CPU backend.</summary>
public sealed class CpuBackendSuite : BackendSuite
{
    protected override IBackend CreateBackend() => new CpuBackend();
}
