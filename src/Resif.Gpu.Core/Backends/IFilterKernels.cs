namespace Resif.Gpu.Core;

/// <summary>Filter-family kernels (SOS cascades, FIR, decimation, detrend, taper).</summary>
public interface IFilterKernels
{
}
