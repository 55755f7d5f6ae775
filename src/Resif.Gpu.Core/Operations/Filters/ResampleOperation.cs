using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Operations.Filters.Internal;
using Resif.Gpu.Core.Operations.Internal;

namespace Resif.Gpu.Core.Operations.Filters;

/// <summary>
/// <c>resample:rate=HZ</c>: rational resampling as <c>scipy.signal.resample_poly(x, up, down)</c> with its default
/// Kaiser (β = 5) filter, up/down being the new/old sampling-rate ratio in lowest terms.
/// </summary>
public sealed class ResampleDescriptor : OperationDescriptor
{
    /// <summary>Largest up or down factor accepted: the filter has 20·max + 1 taps.</summary>
    public const int MaxFactor = 1000;

    public static ResampleDescriptor Instance { get; } = new();

    public override string Name => "resample";

    public override string Description => "resample to a new sampling rate (scipy.signal.resample_poly, Kaiser window); streams over time chunks exactly";

    public override IReadOnlyList<ParameterSpec> Parameters { get; } =
    [
        ParameterSpec.Number("rate", null, $"new sampling rate (Hz); new/old must be a ratio of integers up to {MaxFactor}"),
    ];

    public override IOperation Create(ParameterSet parameters) => new ResampleOperation(parameters);
}

/// <summary>Streams over time chunks exactly: the polyphase filter keeps the input history its pending outputs need.</summary>
public sealed class ResampleOperation : IOperation, ITimeStreamable, IDeviceStepSource
{
    private readonly ParameterSet _parameters;
    private readonly double _rate;

    internal ResampleOperation(ParameterSet parameters)
    {
        _parameters = parameters;
        _rate = parameters.Number("rate");
        if (!(_rate > 0)) throw parameters.Invalid("rate", $"must be > 0 Hz, got {_rate}");
    }

    public string Name => "resample";

    public IReadOnlyDictionary<string, string> Parameters => _parameters.Values;

    public bool ChannelsIndependent => true;

    public TensorLayout Plan(TensorLayout input)
    {
        var (samples, rate) = TimeAxis.Of(input, _parameters, Name);
        var (up, down) = Ratio(rate);
        long outSamples = (long)samples * up / down + ((long)samples * up % down == 0 ? 0 : 1);
        var time = input.Coords[^1];
        return input with
        {
            Shape = [.. input.Shape.Take(input.Shape.Count - 1), outSamples],
            Coords = [.. input.Coords.Take(input.Coords.Count - 1), time with { Length = outSamples, Step = time.Step * down / up }],
        };
    }

    public DeviceStep DeviceStep(TensorLayout input)
    {
        var (up, down) = Ratio(1 / input.Coords[^1].Step);
        if (up == down) return new PassThroughStep();
        var taps = FilterDesign.ResamplePolyTaps(up, down);
        return new FirResampleStep(taps, up, down, FilterDesign.ResamplePolyDelay(taps.Length, down));
    }

    public Block Run(Block input, IBackend backend)
    {
        var output = Plan(input.Layout);
        var (up, down) = Ratio(1 / input.Layout.Coords[^1].Step);
        if (up == down) return input;
        var taps = FilterDesign.ResamplePolyTaps(up, down);
        var result = new float[(long)input.Rows * output.Shape[^1]];
        backend.Filters.FirResample(input.Values, input.Rows, input.Columns, taps, up, down, FilterDesign.ResamplePolyDelay(taps.Length, down), result);
        return new Block(output, result);
    }

    public IOperationStream Open(TensorLayout window, IBackend backend)
    {
        var output = Plan(window);
        var (up, down) = Ratio(1 / window.Coords[^1].Step);
        if (up == down) return SampleWiseStream.Identity(output);
        var taps = FilterDesign.ResamplePolyTaps(up, down);
        return new FirResampleStream(output, backend, taps, up, down, FilterDesign.ResamplePolyDelay(taps.Length, down), window.Shape[^1], (int)window.Shape[0]);
    }

    // new/old as up/down in lowest terms, from the continued fraction of the ratio (exact to 1e-9 relative).
    private (int Up, int Down) Ratio(double currentRate)
    {
        double ratio = _rate / currentRate;
        long p0 = 0, q0 = 1, p1 = 1, q1 = 0;
        double rest = ratio;
        for (int i = 0; i < 64; i++)
        {
            double whole = Math.Floor(rest);
            long p2 = (long)whole * p1 + p0, q2 = (long)whole * q1 + q0;
            if (Math.Max(p2, q2) > ResampleDescriptor.MaxFactor) break;
            (p0, q0, p1, q1) = (p1, q1, p2, q2);
            if (Math.Abs((double)p1 / q1 - ratio) <= 1e-9 * ratio) return ((int)p1, (int)q1);
            if (rest - whole < 1e-12) break;
            rest = 1 / (rest - whole);
        }
        throw _parameters.Invalid("rate", $"{_rate} Hz / {currentRate} Hz is not a ratio of integers up to {ResampleDescriptor.MaxFactor}");
    }
}
