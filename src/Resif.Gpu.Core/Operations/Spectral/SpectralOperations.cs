using Resif.Gpu.Core.Operations.Spectral.Internal;

namespace Resif.Gpu.Core.Operations.Spectral;

/// <summary>Descriptors of the spectral and array operations (FFT-based, detectors, beamforming).</summary>
public static class SpectralOperations
{
    private static readonly ParameterSpec PadToFastLength = ParameterSpec.Flag("pad", true,
        "zero-pad each axis at its end to scipy.fft.next_fast_len (11-smooth), as DASCore Patch.dft does by default; false = bins of the selected lengths");

    public static OperationDescriptor Fk { get; } = new SpectralOperationDescriptor("fk",
        "2-D Fourier transform over (distance, time) as DASCore Patch.dft: values x dx*dt, fftshifted, coordinates ft_distance (1/m) and ft_time (Hz); " +
        "each axis zero-padded at its end to scipy.fft.next_fast_len as DASCore does (pad=true). Needs the whole window (no time chunks)",
        [
            ParameterSpec.Choice("output", "amplitude", "amplitude |F|, power |F|^2, or the complex spectrum", "amplitude", "power", "complex"),
            PadToFastLength,
            ParameterSpec.Flag("real", false,
                "real transform along time as DASCore Patch.dft(real=True): ft_time keeps only the non-negative frequencies 0 .. Nyquist (rfftfreq, not shifted), half the output"),
        ],
        p => new FkOperation(p));

    public static OperationDescriptor FkFilter { get; } = new SpectralOperationDescriptor("fkfilter",
        "DASCore slope_filter: keeps apparent velocities |f/k| in [vb, vc] with sine ramps down to va and up to vd (m/s); " +
        "transforms zero-padded to next_fast_len as DASCore (pad=true), result cropped back. Needs the whole window (no time chunks)",
        [
            PadToFastLength,
            ParameterSpec.Number("va", null, "velocity (m/s) where the lower ramp starts (weight 0)"),
            ParameterSpec.Number("vb", null, "velocity (m/s) where the pass band starts (weight 1)"),
            ParameterSpec.Number("vc", null, "velocity (m/s) where the pass band ends (weight 1)"),
            ParameterSpec.Number("vd", null, "velocity (m/s) where the upper ramp ends (weight 0)"),
            ParameterSpec.Flag("directional", false, "use signed slopes: negative = waves toward increasing distance"),
            ParameterSpec.Flag("invert", false, "reject the band instead of keeping it"),
        ],
        p => new FkFilterOperation(p));

    public static OperationDescriptor Envelope { get; } = new SpectralOperationDescriptor("envelope",
        "ObsPy envelope: sqrt(x^2 + H(x)^2) with H the FFT Hilbert transform, per channel; needs the whole window (no time chunks)", [], p => new EnvelopeOperation(p));

    public static OperationDescriptor Rms { get; } = new SpectralOperationDescriptor("rms",
        "root mean square over non-overlapping windows: the time axis becomes one value per window, labelled at window centres; streams over time chunks exactly",
        [ParameterSpec.Number("window", null, "window length in seconds (whole samples; trailing partial window dropped)")],
        p => new RmsOperation(p));

    public static OperationDescriptor StaLta { get; } = new SpectralOperationDescriptor("stalta",
        "ObsPy classic_sta_lta / recursive_sta_lta characteristic function per channel; streams over time chunks exactly",
        [
            ParameterSpec.Number("sta", null, "short-term window in seconds (samples = floor(sta * rate))"),
            ParameterSpec.Number("lta", null, "long-term window in seconds, longer than sta"),
            ParameterSpec.Choice("type", "classic", "classic (trailing means) or recursive (exponential averages)", "classic", "recursive"),
        ],
        p => new StaLtaOperation(p));

    public static OperationDescriptor Abs { get; } = new SpectralOperationDescriptor("abs", "absolute value of every sample; streams over time chunks exactly", [], p => new AbsOperation(p));

    public static OperationDescriptor Normalize { get; } = new SpectralOperationDescriptor("normalize",
        "divides each channel by its maximum absolute value or its standard deviation; needs the whole window (no time chunks)",
        [ParameterSpec.Choice("type", "max", "max (peak |x|) or std (standard deviation, ddof 0)", "max", "std")],
        p => new NormalizeOperation(p));

    public static OperationDescriptor Beam { get; } = new SpectralOperationDescriptor("beam",
        "linear-array slowness scan: delay-and-sum beam power per time window for slownesses smin..smax (s/m, positive = toward increasing distance); needs the whole window (no time chunks)",
        [
            ParameterSpec.Number("smin", null, "first slowness (s/m, signed)"),
            ParameterSpec.Number("smax", null, "last slowness (s/m, signed)"),
            ParameterSpec.Integer("ns", 51, "number of slownesses from smin to smax inclusive"),
            ParameterSpec.Number("window", null, "power window in seconds (non-overlapping, whole samples)"),
            ParameterSpec.Choice("method", "das", "das: time-domain delay and sum (linear interpolation); freq: phase shifts per window FFT", "das", "freq"),
            ParameterSpec.Number("fmin", 0, "method=freq: lowest |frequency| summed (Hz)"),
            ParameterSpec.Number("fmax", 0, "method=freq: highest |frequency| summed (Hz); 0 = up to Nyquist"),
        ],
        p => new BeamOperation(p));

    public static OperationDescriptor ArrayBeam { get; } = new SpectralOperationDescriptor("arraybeam",
        "station-array FK analysis as ObsPy array_processing (Bartlett or Capon): relative power, absolute power, back-azimuth and slowness per sliding window",
        [
            ParameterSpec.Numbers("x_km", null, "station positions east (km), one per channel, ';'-separated"),
            ParameterSpec.Numbers("y_km", null, "station positions north (km), one per channel, ';'-separated"),
            ParameterSpec.Number("win_len", null, "window length in seconds"),
            ParameterSpec.Number("win_frac", 0.5, "window step as a fraction of win_len"),
            ParameterSpec.Number("sll_x", null, "smallest east slowness (s/km)"),
            ParameterSpec.Number("slm_x", null, "largest east slowness (s/km)"),
            ParameterSpec.Number("sll_y", null, "smallest north slowness (s/km)"),
            ParameterSpec.Number("slm_y", null, "largest north slowness (s/km)"),
            ParameterSpec.Number("sl_s", null, "slowness grid step (s/km)"),
            ParameterSpec.Number("frqlow", null, "lowest frequency (Hz)"),
            ParameterSpec.Number("frqhigh", null, "highest frequency (Hz)"),
            ParameterSpec.Flag("prewhiten", false, "normalise each frequency by its grid maximum"),
            ParameterSpec.Choice("method", "bf", "bf (Bartlett) or capon", "bf", "capon"),
        ],
        p => new StationBeamOperation(p));
}
