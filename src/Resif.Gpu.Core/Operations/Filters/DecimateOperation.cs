using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations.Filters.Internal;
using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Filters;

/// <summary>
/// <c>decimate:factor=Q,method=iir|fir|obspy</c>: anti-alias lowpass then every Q-th sample from sample 0.
/// iir = <c>scipy.signal.decimate</c> default (Chebyshev I order 8, sosfiltfilt), fir = <c>decimate(ftype='fir')</c>
/// (zero-phase polyphase FIR, zero-padded edges), obspy = <c>Trace.decimate</c> (causal Chebyshev II).
/// </summary>
public sealed class DecimateDescriptor : OperationDescriptor
{
    public static DecimateDescriptor Instance { get; } = new();

    public override string Name => "decimate";

    public override string Description => "anti-alias lowpass then keep every factor-th sample (SciPy decimate iir/fir, or ObsPy Trace.decimate); streams over time chunks (fir, obspy: exactly; iir: held-back overlap)";

    public override IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        ParameterSpec.Integer("factor", null, "decimation factor Q >= 1; output has ceil(n / Q) samples, time step x Q (1 = unchanged)"),
        ParameterSpec.Choice("method", "iir", "iir = scipy decimate (Chebyshev I, zero-phase), fir = scipy decimate ftype='fir', obspy = ObsPy Trace.decimate (causal Chebyshev II)", "iir", "fir", "obspy"),
    ];

    public override IOperation Create(ParameterSet parameters) => new DecimateOperation(parameters);
}

/// <summary>
/// Streams over time chunks keeping the phase (samples whose index in the window is a multiple of the factor): obspy
/// carries its causal filter state exactly, fir keeps the FIR history exactly, iir holds a zero-phase overlap back.
/// </summary>
public sealed class DecimateOperation : IOperation, ITimeStreamable, IDeviceStepSource, ISosStageSource
{
    private readonly ParameterSet _parameters;
    private readonly int _factor;
    private readonly string _method;
    private readonly double[]? _iirSections;
    private readonly double[]? _firTaps;
    private DesignAtRate? _obspyDesign;

    internal DecimateOperation(ParameterSet parameters)
    {
        _parameters = parameters;
        long factor = parameters.Integer("factor");
        if (factor < 1 || factor > int.MaxValue) throw parameters.Invalid("factor", $"must be >= 1, got {factor}");
        _factor = (int)factor;
        _method = parameters.Text("method");
        if (_factor > 1 && _method == "iir") _iirSections = FilterDesign.DecimationIir(_factor);
        if (_factor > 1 && _method == "fir") _firTaps = FilterDesign.DecimationFir(_factor);
    }

    public string Name => "decimate";

    public IReadOnlyDictionary<string, string> Parameters => _parameters.Values;

    public bool ChannelsIndependent => true;

    public TensorLayout Plan(TensorLayout input)
    {
        var (samples, _) = TimeAxis.Of(input, _parameters, Name);
        if (_factor > samples) throw _parameters.Invalid("factor", $"{_factor} is more than the {samples} samples selected");
        if (_iirSections is not null && samples <= FilterDesign.OddPadLength(_iirSections))
        {
            throw _parameters.Invalid("method", $"iir filters with scipy's sosfiltfilt, which needs more than {FilterDesign.OddPadLength(_iirSections)} " +
                $"samples, got {samples}; use method=fir or select more time");
        }
        long outSamples = (samples + _factor - 1) / _factor;
        var time = input.Coords[^1];
        return input with
        {
            Shape = [.. input.Shape.Take(input.Shape.Count - 1), outSamples],
            Coords = [.. input.Coords.Take(input.Coords.Count - 1), time.Slice(0, outSamples, _factor)],
        };
    }

    public Block Run(Block input, IBackend backend)
    {
        var output = Plan(input.Layout);
        if (_factor == 1) return input;
        int rows = input.Rows, columns = input.Columns, outColumns = (int)output.Shape[^1];
        var result = new float[(long)rows * outColumns];
        var filters = backend.Filters;
        switch (_method)
        {
            case "fir":
                filters.FirResample(input.Values, rows, columns, _firTaps, 1, _factor, FilterDesign.ResamplePolyDelay(_firTaps!.Length, _factor), result);
                break;
            case "iir":
                filters.SosFilterDecimate(input.Values, rows, columns, _iirSections, SosMode.ZeroPhaseOddPad, _factor, result);
                break;
            default:
                filters.SosFilterDecimate(input.Values, rows, columns, ObspyDesign(1 / input.Layout.Coords[^1].Step), SosMode.Causal, _factor, result);
                break;
        }
        return new Block(output, result);
    }

    /// <summary>The same kernel call as <see cref="Run"/> makes.</summary>
    public DeviceStep DeviceStep(TensorLayout input) => _factor == 1 ? new PassThroughStep() : _method switch
    {
        "fir" => new FirResampleStep(_firTaps!, 1, _factor, FilterDesign.ResamplePolyDelay(_firTaps!.Length, _factor)),
        "iir" => new SosFilterDecimateStep(_iirSections!, SosMode.ZeroPhaseOddPad, _factor),
        _ => new SosFilterDecimateStep(ObspyDesign(1 / input.Coords[^1].Step), SosMode.Causal, _factor),
    };

    /// <summary>The cascade <see cref="Run"/> applies (iir, obspy); none for fir or a factor of 1.</summary>
    SosStage? ISosStageSource.SosStage(TensorLayout input) => _factor == 1 ? null : _method switch
    {
        "iir" => new SosStage(_iirSections!, SosMode.ZeroPhaseOddPad, _factor),
        "obspy" => new SosStage(ObspyDesign(1 / input.Coords[^1].Step), SosMode.Causal, _factor),
        _ => null,
    };

    public IOperationStream Open(TensorLayout window, IBackend backend)
    {
        var output = Plan(window);
        int rows = (int)window.Shape[0];
        return _method switch
        {
            _ when _factor == 1 => SampleWiseStream.Identity(output),
            "fir" => new FirResampleStream(output, backend, _firTaps!, 1, _factor, FilterDesign.ResamplePolyDelay(_firTaps!.Length, _factor), window.Shape[^1], rows),
            "iir" => SosStreams.Open(window, output, backend, _iirSections!, SosMode.ZeroPhaseOddPad, _factor),
            _ => SosStreams.Open(window, output, backend, ObspyDesign(1 / window.Coords[^1].Step), SosMode.Causal, _factor),
        };
    }

    // ObsPy's corner is half the new sampling rate; the design depends on the rate only through rounding.
    private double[] ObspyDesign(double rate)
    {
        if (_obspyDesign is { } cached && cached.Rate == rate) return cached.Sos;
        var sos = FilterDesign.ObspyLowpassCheby2(rate * 0.5 / _factor, rate).Sos;
        _obspyDesign = new DesignAtRate(rate, sos);
        return sos;
    }
}
