using System.Numerics;

namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>
/// ObsPy <c>array_processing</c> (FK beamforming of a station array, coordsys "xy") over sliding windows:
/// one row per result (relative power, absolute power, back-azimuth in degrees, slowness in s/km) and one
/// column per window, labelled with the window start like ObsPy's time stamps. Station positions are given as
/// parameters (km east and north, one per channel, centred on their mean); thresholds are left to the client.
/// </summary>
internal sealed class StationBeamOperation : SpectralOperation
{
    private static readonly string[] Quantities = ["relpow", "abspow", "baz_deg", "slowness_s_per_km"];

    private readonly double[] _x, _y;
    private readonly int _gridX, _gridY;

    public StationBeamOperation(ParameterSet parameters) : base("arraybeam", parameters)
    {
        _x = parameters.Numbers("x_km");
        _y = parameters.Numbers("y_km");
        if (_y.Length != _x.Length) throw parameters.Invalid("y_km", $"{_y.Length} values for {_x.Length} x_km values");
        if (_x.Length < 2) throw parameters.Invalid("x_km", "an array needs at least 2 stations");
        double step = parameters.Number("sl_s");
        if (!(step > 0)) throw parameters.Invalid("sl_s", "must be > 0");
        _gridX = GridPoints(parameters, "sll_x", "slm_x", step);
        _gridY = GridPoints(parameters, "sll_y", "slm_y", step);
        if ((long)_gridX * _gridY > 1_000_000) throw parameters.Invalid("sl_s", $"a {_gridX} x {_gridY} slowness grid is too fine (at most 1e6 points)");
        if (!(parameters.Number("frqhigh") > parameters.Number("frqlow"))) throw parameters.Invalid("frqhigh", "must be above frqlow");
        if (!(parameters.Number("frqlow") >= 0)) throw parameters.Invalid("frqlow", "must be >= 0");
        double fraction = parameters.Number("win_frac");
        if (!(fraction > 0 && fraction <= 1)) throw parameters.Invalid("win_frac", "must be in (0, 1]");
    }

    // ObsPy: int((slm − sll)/sl_s + 0.5) + 1 grid points from sll.
    private static int GridPoints(ParameterSet parameters, string low, string high, double step)
    {
        double span = parameters.Number(high) - parameters.Number(low);
        if (span < 0) throw parameters.Invalid(high, $"must be >= {low}");
        return (int)Math.Min(int.MaxValue / 2, span / step + 0.5) + 1;
    }

    public override bool ChannelsIndependent => false;

    private sealed record Windows(int Samples, int Step, int Count, int Nfft, int FirstBin, int BinCount, float BinWidth);

    private Windows Plan(TensorLayout input, out double dt)
    {
        dt = SpectralLayouts.TimeStep(input, Name);
        if (input.Shape[0] != _x.Length)
            throw Set.Invalid("x_km", $"{_x.Length} station positions for {input.Shape[0]} channels");
        long samples = SpectralLayouts.Samples(Set.Number("win_len"), dt);
        if (samples < 2) throw Set.Invalid("win_len", $"{Set.Number("win_len")} s holds fewer than 2 samples");
        if (samples > input.Shape[1]) throw Set.Invalid("win_len", $"{Set.Number("win_len")} s is longer than the data ({input.Shape[1] * dt} s)");
        int step = (int)Math.Floor(samples * Set.Number("win_frac") + 1e-9);
        if (step < 1) throw Set.Invalid("win_frac", "gives a step of less than one sample");
        int nfft = (int)BitOperations.RoundUpToPowerOf2((uint)samples);
        double binWidth = 1 / dt / nfft;
        int low = Math.Max(1, (int)(Set.Number("frqlow") / binWidth + 0.5));
        int high = Math.Min(nfft / 2 - 1, (int)(Set.Number("frqhigh") / binWidth + 0.5));
        if (high < low) throw Set.Invalid("frqhigh", $"the band holds no frequency bin of width {binWidth} Hz below Nyquist");
        return new Windows((int)samples, step, (int)((input.Shape[1] - samples) / step + 1), nfft, low, high - low + 1, (float)binWidth);
    }

    public override TensorLayout Plan(TensorLayout input)
    {
        var windows = Plan(input, out _);
        var time = input.Coords[1];
        return input with
        {
            Dims = ["quantity", time.Dim],
            Shape = [Quantities.Length, windows.Count],
            Coords =
            [
                new Coordinate("quantity", "", Quantities.Length, 0, 1) { Labels = Quantities },
                time with { Length = windows.Count, Step = windows.Step * time.Step },
            ],
            Units = "",
        };
    }

    public override Block Run(Block input, IBackend backend)
    {
        var layout = Plan(input.Layout);
        var w = Plan(input.Layout, out _);
        double sllX = Set.Number("sll_x"), sllY = Set.Number("sll_y"), step = Set.Number("sl_s");
        int grid = _gridX * _gridY, stations = _x.Length;
        double meanX = _x.Average(), meanY = _y.Average();
        // ObsPy's time-shift table: sx·x + sy·y in float64, stored as float32.
        var shifts = new float[stations * grid];
        for (int i = 0; i < stations; i++)
            for (int ix = 0; ix < _gridX; ix++)
                for (int iy = 0; iy < _gridY; iy++)
                    shifts[i * grid + ix * _gridY + iy] = (float)((_x[i] - meanX) * (sllX + ix * step) + (_y[i] - meanY) * (sllY + iy * step));

        var relative = new float[(long)w.Count * grid];
        var absolute = new float[(long)w.Count * grid];
        backend.Spectral.StationBeam(input.Data, stations, input.Columns, shifts, grid, w.Samples, w.Step, w.Nfft, w.FirstBin, w.BinCount,
            w.BinWidth, capon: Set.Text("method") == "capon", prewhiten: Set.Flag("prewhiten"), relative, absolute);

        var output = new float[layout.ElementCount];
        for (int k = 0; k < w.Count; k++)
        {
            var map = relative.AsSpan(k * grid, grid);
            int best = 0;
            for (int g = 1; g < grid; g++) if (map[g] > map[best]) best = g; // first maximum, like numpy argmax
            double sx = sllX + best / _gridY * step, sy = sllY + best % _gridY * step;
            double slowness = Math.Max(Math.Sqrt(sx * sx + sy * sy), 1e-8);
            double azimuth = 180 * Math.Atan2(sx, sy) / Math.PI;
            // Python's azimuth % -360 (result in (−360, 0]) + 180.
            double backAzimuth = azimuth - -360 * Math.Floor(azimuth / -360) + 180;
            output[k] = map[best];
            output[w.Count + k] = absolute[k * grid + best];
            output[2 * w.Count + k] = (float)backAzimuth;
            output[3 * w.Count + k] = (float)slowness;
        }
        return new Block(layout, output);
    }
}
