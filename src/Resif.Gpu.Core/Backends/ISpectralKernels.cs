namespace Resif.Gpu.Core;

/// <summary>Spectral and array kernels (FFT, FK, beamforming, envelope, RMS, STA/LTA).</summary>
public interface ISpectralKernels
{
}
