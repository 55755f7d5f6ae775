namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>
/// Written once, run per backend: every kernel-family method is compared with an independent float64 reference
/// (SciPy/NumPy at test time or a scalar loop from the published definition) on small inputs.
/// Concrete suites: <c>CpuBackendSuite</c> here, the ILGPU ones in Resif.Gpu.Kernels.Tests.
/// </summary>
public abstract class BackendSuite : IDisposable
{
    private IBackend? backend;

    /// <summary>Built on first use, so a skipped suite never touches its device.</summary>
    protected IBackend Backend => backend ??= CreateBackend();

    protected abstract IBackend CreateBackend();

    [BackendFact]
    public void Backend_describes_itself_for_provenance()
    {
        Assert.False(string.IsNullOrWhiteSpace(Backend.Name));
        Assert.False(string.IsNullOrWhiteSpace(Backend.Device));
        Assert.NotNull(Backend.Filters);
        Assert.NotNull(Backend.Spectral);
    }

    public void Dispose()
    {
        backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}
