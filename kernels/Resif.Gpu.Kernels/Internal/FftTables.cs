using ILGPU;
using ILGPU.Runtime;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// Twiddle and chirp tables on the device, kept per length: a server sees the same block lengths request after
/// request, and computing 60000 sines and cosines on the host and uploading them costs about as much as a GPU
/// transform of a whole block. Used inside the backend's device lock only.
/// </summary>
internal sealed class FftTables : IDisposable
{
    /// <summary>Tables kept before all are dropped (each is 8 bytes per point: 0.5 MB for 60000 points).</summary>
    private const int MaxTables = 32;

    private readonly Dictionary<(bool Chirp, int Length), MemoryBuffer1D<float, Stride1D.Dense>> tables = [];

    /// <summary>exp(−2πi t/n) for t &lt; n (<see cref="FftFactors.Twiddles"/>).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Twiddles(Accelerator accelerator, int length) => Get(accelerator, chirp: false, length);

    /// <summary>exp(−πi k²/n) for k &lt; n (<see cref="FftFactors.Chirp"/>).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Chirp(Accelerator accelerator, int length) => Get(accelerator, chirp: true, length);

    /// <summary>
    /// Drops every table when the cache is full. Call only where no table is in use by the caller; waits for the
    /// device, since launched kernels may still read them.
    /// </summary>
    public void TrimIfFull(Accelerator accelerator)
    {
        if (tables.Count < MaxTables) return;
        accelerator.Synchronize();
        Dispose();
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Get(Accelerator accelerator, bool chirp, int length)
    {
        if (!tables.TryGetValue((chirp, length), out MemoryBuffer1D<float, Stride1D.Dense>? table))
        {
            table = accelerator.Allocate1D(chirp ? FftFactors.Chirp(length) : FftFactors.Twiddles(length));
            tables.Add((chirp, length), table);
        }
        return table;
    }

    public void Dispose()
    {
        foreach (MemoryBuffer1D<float, Stride1D.Dense> table in tables.Values) table.Dispose();
        tables.Clear();
    }
}
