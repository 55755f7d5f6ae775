using Resif.Gpu.Core.Internal;

namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>
/// Slowness scan of a linear (DAS) array: delay-and-sum beam power per non-overlapping time window for ns
/// slownesses from smin to smax (s/m, positive = wave toward increasing distance). Channel positions come from the
/// channel coordinate (regular or not), relative to the first channel. Output [slowness, window]. The
/// frequency-domain scan may sum only the bins with fmin ≤ |f| ≤ fmax (the band-limited beam power).
/// </summary>
internal sealed class BeamOperation : SpectralOperation
{
    private readonly double[] _slownesses;
    private readonly double _frequencyMin, _frequencyMax;

    public BeamOperation(ParameterSet parameters) : base("beam", parameters)
    {
        double smin = parameters.Number("smin"), smax = parameters.Number("smax");
        long ns = parameters.Integer("ns");
        if (smax < smin) throw parameters.Invalid("smax", $"{smax} must be >= smin = {smin}");
        if (ns < 1 || ns > 100_000) throw parameters.Invalid("ns", $"{ns} must be in [1, 100000]");
        if (ns == 1 && smax != smin) throw parameters.Invalid("ns", "must be >= 2 to scan from smin to smax");
        if (ns > 1 && smax == smin) throw parameters.Invalid("smax", "equals smin: use ns=1 for a single slowness");
        _frequencyMin = parameters.Number("fmin");
        double fmax = parameters.Number("fmax");
        if (!(_frequencyMin >= 0)) throw parameters.Invalid("fmin", $"{_frequencyMin} must be >= 0 Hz");
        if (!(fmax >= 0)) throw parameters.Invalid("fmax", $"{fmax} must be >= 0 Hz (0 = up to Nyquist)");
        _frequencyMax = fmax == 0 ? double.PositiveInfinity : fmax;
        if (_frequencyMax < _frequencyMin) throw parameters.Invalid("fmax", $"{fmax} must be >= fmin = {_frequencyMin}");
        bool banded = _frequencyMin > 0 || fmax > 0;
        if (banded && parameters.Text("method") != "freq") throw parameters.Invalid(_frequencyMin > 0 ? "fmin" : "fmax", "a frequency band needs method=freq");
        _slownesses = new double[ns];
        for (int i = 0; i < ns; i++) _slownesses[i] = ns == 1 ? smin : smin + i * (smax - smin) / (ns - 1);
    }

    public override bool ChannelsIndependent => false;

    private long WindowSamples(TensorLayout input)
    {
        double dt = SpectralLayouts.TimeStep(input, Name), seconds = Set.Number("window");
        long window = SpectralLayouts.Samples(seconds, dt);
        if (window < 2) throw Set.Invalid("window", $"{seconds} s holds fewer than 2 samples ({dt} s each)");
        if (window > input.Shape[1]) throw Set.Invalid("window", $"{seconds} s is longer than the data ({input.Shape[1] * dt} s)");
        if (BeamSpectra.BandBins((int)window, dt, _frequencyMin, _frequencyMax).Count == 0)
            throw Set.Invalid("fmax", $"no frequency of a {window * dt} s window ({1 / (window * dt)} Hz apart, up to {0.5 / dt} Hz) lies in [{_frequencyMin}, {_frequencyMax}] Hz");
        return window;
    }

    private static double[] Offsets(TensorLayout input, string operation)
    {
        var distance = input.Coords[0];
        double metres = SpectralLayouts.MetresPerUnit(distance, operation);
        var offsets = new double[input.Shape[0]];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = (distance.ValueAt(i) - distance.ValueAt(0)) * metres;
        return offsets;
    }

    public override TensorLayout Plan(TensorLayout input)
    {
        Offsets(input, Name);
        long window = WindowSamples(input), count = input.Shape[1] / window;
        double smin = _slownesses[0], step = _slownesses.Length > 1 ? _slownesses[1] - _slownesses[0] : 0;
        return input with
        {
            Dims = ["slowness", "window"],
            Shape = [_slownesses.Length, count],
            Coords =
            [
                new Coordinate("slowness", "s/m", _slownesses.Length, smin, step),
                SpectralLayouts.WindowCentres(input.Coords[1], window, count, "window"),
            ],
            Units = $"({input.Units})^2",
        };
    }

    public override Block Run(Block input, IBackend backend)
    {
        var layout = Plan(input.Layout);
        var output = new float[layout.ElementCount];
        backend.Spectral.SlownessBeam(input.Data, input.Rows, input.Columns, Offsets(input.Layout, Name),
            SpectralLayouts.TimeStep(input.Layout, Name), _slownesses, (int)WindowSamples(input.Layout),
            frequencyDomain: Set.Text("method") == "freq", output, _frequencyMin, _frequencyMax);
        return new Block(layout, output);
    }
}
