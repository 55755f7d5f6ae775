using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations.Filters.Internal;

namespace Resif.Gpu.Core.Operations.Filters;

/// <summary>
/// ObsPy-style Butterworth filters: <c>bandpass</c>, <c>bandstop</c> (freqmin, freqmax), <c>lowpass</c>,
/// <c>highpass</c> (freq), with corners, zerophase and pad (none = ObsPy, odd = SciPy sosfiltfilt / DASCore).
/// </summary>
public sealed class PassFilterDescriptor : OperationDescriptor
{
    public const int MaxCorners = 32;

    private PassFilterDescriptor(string name, FilterBand band, string description)
    {
        Name = name;
        Band = band;
        Description = description;
        var shared = new[]
        {
            ParameterSpec.Integer("corners", 4, $"Butterworth order (1..{MaxCorners}); zero-phase runs it twice"),
            ParameterSpec.Flag("zerophase", false, "filter forwards then backwards (no phase shift, squared amplitude response)"),
            ParameterSpec.Choice("pad", "none", "zero-phase edge handling: none = ObsPy (zero state, no padding), odd = SciPy sosfiltfilt (odd extension, steady-state start)", "none", "odd"),
        };
        Parameters = IsBand
            ? [ParameterSpec.Number("freqmin", null, "lower corner frequency (Hz)"), ParameterSpec.Number("freqmax", null, "upper corner frequency (Hz), below Nyquist"), .. shared]
            : [ParameterSpec.Number("freq", null, "corner frequency (Hz), below Nyquist"), .. shared];
    }

    public static PassFilterDescriptor Bandpass { get; } = new("bandpass", FilterBand.Bandpass, "Butterworth bandpass between freqmin and freqmax (ObsPy bandpass); streams over time chunks (causal: exactly; zero-phase: held-back overlap)");

    public static PassFilterDescriptor Bandstop { get; } = new("bandstop", FilterBand.Bandstop, "Butterworth band-stop between freqmin and freqmax (ObsPy bandstop); streams over time chunks (causal: exactly; zero-phase: held-back overlap)");

    public static PassFilterDescriptor Lowpass { get; } = new("lowpass", FilterBand.Lowpass, "Butterworth lowpass at freq (ObsPy lowpass); streams over time chunks (causal: exactly; zero-phase: held-back overlap)");

    public static PassFilterDescriptor Highpass { get; } = new("highpass", FilterBand.Highpass, "Butterworth highpass at freq (ObsPy highpass); streams over time chunks (causal: exactly; zero-phase: held-back overlap)");

    public override string Name { get; }

    public override string Description { get; }

    public override IReadOnlyList<ParameterSpec> Parameters { get; }

    public FilterBand Band { get; }

    internal bool IsBand => Band is FilterBand.Bandpass or FilterBand.Bandstop;

    public override IOperation Create(ParameterSet parameters) => new PassFilterOperation(this, parameters);
}

/// <summary>
/// A configured Butterworth filter; designed once the sampling rate is known (in <see cref="Plan"/>). Streams over
/// time chunks: causal exactly (state carried), zero-phase with a held-back overlap (see <c>ZeroPhaseSosStream</c>).
/// </summary>
public sealed class PassFilterOperation : IOperation, ITimeStreamable, IDeviceStepSource, ISosStageSource
{
    private readonly PassFilterDescriptor _descriptor;
    private readonly ParameterSet _parameters;
    private readonly double[] _corners;
    private readonly string[] _cornerNames;
    private readonly int _order;
    private readonly SosMode _mode;
    private DesignAtRate? _design;

    internal PassFilterOperation(PassFilterDescriptor descriptor, ParameterSet parameters)
    {
        _descriptor = descriptor;
        _parameters = parameters;
        _cornerNames = descriptor.IsBand ? ["freqmin", "freqmax"] : ["freq"];
        _corners = _cornerNames.Select(parameters.Number).ToArray();
        foreach (var (name, value) in _cornerNames.Zip(_corners))
        {
            if (!(value > 0)) throw parameters.Invalid(name, $"must be > 0 Hz, got {value}");
        }
        if (_corners.Length == 2 && _corners[0] >= _corners[1])
            throw parameters.Invalid("freqmin", $"{_corners[0]} Hz must be below freqmax ({_corners[1]} Hz)");
        long corners = parameters.Integer("corners");
        if (corners < 1 || corners > PassFilterDescriptor.MaxCorners)
            throw parameters.Invalid("corners", $"must be in 1..{PassFilterDescriptor.MaxCorners}, got {corners}");
        _order = (int)corners;
        bool zerophase = parameters.Flag("zerophase");
        bool oddPad = parameters.Text("pad") == "odd";
        if (oddPad && !zerophase) throw parameters.Invalid("pad", "odd padding applies to zero-phase filtering only; set zerophase=true");
        _mode = !zerophase ? SosMode.Causal : oddPad ? SosMode.ZeroPhaseOddPad : SosMode.ZeroPhase;
    }

    public string Name => _descriptor.Name;

    public IReadOnlyDictionary<string, string> Parameters => _parameters.Values;

    public bool ChannelsIndependent => true;

    public TensorLayout Plan(TensorLayout input)
    {
        var (samples, rate) = TimeAxis.Of(input, _parameters, Name);
        var sos = Design(rate);
        if (_mode == SosMode.ZeroPhaseOddPad && samples <= FilterDesign.OddPadLength(sos))
        {
            throw _parameters.Invalid("pad", $"odd padding extends {FilterDesign.OddPadLength(sos)} samples at each end and needs a longer " +
                $"window, got {samples} samples (as scipy.signal.sosfiltfilt); use pad=none or select more time");
        }
        return input;
    }

    public Block Run(Block input, IBackend backend)
    {
        var (_, rate) = TimeAxis.Of(input.Layout, _parameters, Name);
        backend.Filters.SosFilter(input.Values, input.Rows, input.Columns, Design(rate), _mode);
        return input;
    }

    SosStage? ISosStageSource.SosStage(TensorLayout input) => new(Design(TimeAxis.Of(input, _parameters, Name).SamplingRate), _mode);

    public DeviceStep DeviceStep(TensorLayout input) => new SosFilterStep(Design(TimeAxis.Of(input, _parameters, Name).SamplingRate), _mode);

    public IOperationStream Open(TensorLayout window, IBackend backend)
    {
        var (_, rate) = TimeAxis.Of(window, _parameters, Name);
        return SosStreams.Open(window, Plan(window), backend, Design(rate), _mode, factor: 1);
    }

    // Designs (and validates against Nyquist) once per sampling rate.
    private double[] Design(double rate)
    {
        if (_design is { } cached && cached.Rate == rate) return cached.Sos;
        double nyquist = rate / 2;
        for (int i = 0; i < _corners.Length; i++)
        {
            if (_corners[i] >= nyquist)
                throw _parameters.Invalid(_cornerNames[i], $"{_corners[i]} Hz is not below the Nyquist frequency ({nyquist} Hz at {rate} Hz sampling)");
        }
        var sos = FilterDesign.Butterworth(_order, _descriptor.Band, _corners.Select(f => f / nyquist).ToArray());
        _design = new DesignAtRate(rate, sos);
        return sos;
    }
}

/// <summary>Sections designed for one sampling rate (a reference, so that concurrent blocks never see half of one).</summary>
internal sealed record DesignAtRate(double Rate, double[] Sos);
