using Resif.Gpu.Core.Backends.Internal;

namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>
/// 2-D DFT over (distance, time) with DASCore's <c>Patch.dft</c> conventions: values × dx·dt, fftshift on both
/// axes, coordinates in cycles per metre and Hz. With pad (DASCore's default) each axis is first zero-padded at its
/// end to <c>next_fast_len</c>, which sets the bins; without, bins are fftfreq(n) of the selected lengths. With real
/// (DASCore's <c>real=True</c>) time is transformed as <c>rfft</c>: bins 0 .. n/2 only, not shifted.
/// </summary>
internal sealed class FkOperation(ParameterSet parameters) : SpectralOperation("fk", parameters)
{
    private string Output => Set.Text("output");

    private bool RealTime => Set.Flag("real");

    public override bool ChannelsIndependent => false;

    private (long Channels, long Samples) Transformed(TensorLayout input) => Set.Flag("pad")
        ? (SpectralLayouts.FastLength(input.Shape[0]), SpectralLayouts.FastLength(input.Shape[1]))
        : (input.Shape[0], input.Shape[1]);

    public override TensorLayout Plan(TensorLayout input)
    {
        double dx = SpectralLayouts.DistanceStep(input, Name), dt = SpectralLayouts.TimeStep(input, Name);
        string scaled = $"({input.Units})*m*s";
        var (channels, samples) = Transformed(input);
        var time = RealTime
            ? SpectralLayouts.RealFrequencies("ft_time", "Hz", samples, dt)
            : SpectralLayouts.ShiftedFrequencies("ft_time", "Hz", samples, dt);
        return input with
        {
            Dims = ["ft_distance", "ft_time"],
            Shape = [channels, time.Length],
            Coords = [SpectralLayouts.ShiftedFrequencies("ft_distance", "1/m", channels, dx), time],
            Units = Output == "power" ? $"{scaled}^2" : scaled,
            Type = Output == "complex" ? ElementType.Complex64 : ElementType.Float32,
        };
    }

    public override Block Run(Block input, IBackend backend)
    {
        var layout = Plan(input.Layout);
        var transformed = Transformed(input.Layout);
        int channels = (int)transformed.Channels, samples = (int)transformed.Samples, bins = (int)layout.Shape[1];
        double scale = SpectralLayouts.DistanceStep(input.Layout, Name) * SpectralLayouts.TimeStep(input.Layout, Name);
        var padded = SpectralLayouts.ZeroPad(input.Data, input.Rows, input.Columns, channels, samples);
        var spectrum = HugePageArrays.Zeroed(2L * channels * bins); // the column pass strides down its rows
        if (RealTime) backend.Spectral.FkHalf(padded, channels, samples, scale, spectrum);
        else backend.Spectral.Fk(padded, channels, samples, scale, spectrum);
        if (Output == "complex") return new Block(layout, spectrum);

        var reduced = new float[(long)channels * bins];
        bool power = Output == "power";
        for (long i = 0; i < reduced.LongLength; i++)
        {
            double re = spectrum[2 * i], im = spectrum[2 * i + 1], squared = re * re + im * im;
            reduced[i] = (float)(power ? squared : Math.Sqrt(squared));
        }
        return new Block(layout, reduced);
    }
}
