namespace Resif.Gpu.Core;

/// <summary>
/// Spectral and array kernels (FFT, FK, beamforming, envelope, RMS, STA/LTA). Arrays are channel-major float32
/// [rows = channels, columns = samples], complex values interleaved (re, im); only the first rows × columns
/// (× 2 for complex) values of an array are used, so pooled buffers may be longer. Transforms use NumPy's
/// conventions (forward exp(−2πi jk/n), inverse scaled by 1/n). The FFT kernels (ComplexFft, Fk, FkMask,
/// Envelope) compute in float32 with float64-derived twiddles (relative RMS error 1e-7 to 3e-7 against NumPy in
/// float64); the other kernels compute in float64 internally.
/// </summary>
public interface ISpectralKernels
{
    /// <summary>In-place complex FFT of each row of <paramref name="data"/> (rows × length complex values).</summary>
    void ComplexFft(float[] data, int rows, int length, bool inverse);

    /// <summary>
    /// 2-D forward FFT of a real [channels, samples] array, multiplied by <paramref name="scale"/> and
    /// fftshifted on both axes (DASCore's <c>Patch.dft</c> layout), into <paramref name="output"/>
    /// (channels × samples complex values).
    /// </summary>
    void Fk(float[] input, int channels, int samples, double scale, float[] output);

    /// <summary>
    /// As <see cref="Fk"/> with a real transform along time (DASCore's <c>Patch.dft(real=True)</c>, NumPy's
    /// <c>rfft2</c>): only the non-negative time frequencies 0 .. samples/2, not shifted, rows fftshifted, into
    /// <paramref name="output"/> (channels × (samples/2 + 1) complex values).
    /// </summary>
    void FkHalf(float[] input, int channels, int samples, double scale, float[] output);

    /// <summary>
    /// Filters a real [channels, samples] array in place in the FK domain: 2-D FFT, multiply by the real
    /// <paramref name="mask"/> (channels × samples, unshifted FFT order: row = wavenumber bin, column =
    /// frequency bin), inverse 2-D FFT, keep the real part.
    /// </summary>
    void FkMask(float[] data, int channels, int samples, float[] mask);

    /// <summary>Replaces each row by its envelope |x + i H(x)| (FFT Hilbert transform, ObsPy <c>envelope</c>).</summary>
    void Envelope(float[] data, int rows, int columns);

    /// <summary>
    /// ObsPy characteristic function per row: <c>classic_sta_lta</c> or <c>recursive_sta_lta</c> with window
    /// lengths in samples (1 ≤ nsta &lt; nlta). Where the long-term average is 0 the output is 0 (ObsPy: NaN).
    /// </summary>
    void StaLta(float[] input, float[] output, int rows, int columns, int nsta, int nlta, bool recursive);

    /// <summary>Root mean square over consecutive non-overlapping windows: output is rows × (columns / window).</summary>
    void WindowRms(float[] input, float[] output, int rows, int columns, int window);

    /// <summary>Absolute value of the first <paramref name="count"/> values, in place.</summary>
    void Abs(float[] data, long count);

    /// <summary>Divides each row in place by its maximum |x| (byStd false) or its standard deviation (ddof 0); rows of zeros stay zero.</summary>
    void Normalize(float[] data, int rows, int columns, bool byStd);

    /// <summary>
    /// Slowness scan of a linear array: for each slowness s (s/m) the beam
    /// <c>b(t) = mean_i x_i(t + s·offsets[i])</c> (offsets in metres from the first channel) and its mean power
    /// over consecutive windows of <paramref name="window"/> samples, into output [slownesses, columns / window].
    /// Time domain: linear interpolation between samples, zero outside the record. Frequency domain: per window,
    /// exact fractional shifts exp(+2πi f τ) applied to the window's FFT (circular within the window); power is
    /// Σ|B(f)|²/window² over the bins with <paramref name="frequencyMin"/> ≤ |f| ≤ <paramref name="frequencyMax"/>
    /// (Hz; the default band keeps every bin: Parseval's mean of b(t)²). The band applies to the frequency domain only.
    /// </summary>
    void SlownessBeam(float[] input, int channels, int samples, double[] offsets, double sampleInterval,
        double[] slownesses, int window, bool frequencyDomain, float[] output,
        double frequencyMin = 0, double frequencyMax = double.PositiveInfinity);

    /// <summary>
    /// Station-array FK analysis (ObsPy <c>array_processing</c>) over sliding windows of <paramref name="window"/>
    /// samples advancing by <paramref name="step"/>: per window and per trace, mean removed, ObsPy cosine taper
    /// (p = 0.22), zero-padded FFT of <paramref name="nfft"/> points, bins firstBin .. firstBin + binCount − 1 of
    /// width <paramref name="binWidth"/> Hz; then Bartlett (|e^H R e|) or Capon (1/|e^H R⁺ e|, R normalised by
    /// |Σ_f R_ij|, pseudo-inverse rcond 1e-6) power for each grid point whose per-station time shifts (s) are
    /// <paramref name="timeShifts"/> [stations, gridPoints]. Writes the relative and absolute power maps
    /// [windows, gridPoints], windows = (samples − window) / step + 1.
    /// </summary>
    void StationBeam(float[] input, int stations, int samples, float[] timeShifts, int gridPoints, int window, int step, int nfft,
        int firstBin, int binCount, float binWidth, bool capon, bool prewhiten, float[] relativePower, float[] absolutePower);
}
