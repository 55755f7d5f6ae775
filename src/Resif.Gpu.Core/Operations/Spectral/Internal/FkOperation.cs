namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>
/// 2-D DFT over (distance, time) with DASCore's <c>Patch.dft</c> conventions: values × dx·dt, fftshift on both
/// axes, coordinates in cycles per metre and Hz. Unlike DASCore, axes are not zero-padded to
/// <c>next_fast_len</c>: bins stay at fftfreq(n) of the selected lengths.
/// </summary>
internal sealed class FkOperation(ParameterSet parameters) : SpectralOperation("fk", parameters)
{
    private string Output => Set.Text("output");

    public override bool ChannelsIndependent => false;

    public override TensorLayout Plan(TensorLayout input)
    {
        double dx = SpectralLayouts.DistanceStep(input, Name), dt = SpectralLayouts.TimeStep(input, Name);
        string scaled = $"({input.Units})*m*s";
        return input with
        {
            Dims = ["ft_distance", "ft_time"],
            Coords =
            [
                SpectralLayouts.ShiftedFrequencies("ft_distance", "1/m", input.Shape[0], dx),
                SpectralLayouts.ShiftedFrequencies("ft_time", "Hz", input.Shape[1], dt),
            ],
            Units = Output == "power" ? $"{scaled}^2" : scaled,
            Type = Output == "complex" ? ElementType.Complex64 : ElementType.Float32,
        };
    }

    public override Block Run(Block input, IBackend backend)
    {
        var layout = Plan(input.Layout);
        int channels = input.Rows, samples = input.Columns;
        double scale = SpectralLayouts.DistanceStep(input.Layout, Name) * SpectralLayouts.TimeStep(input.Layout, Name);
        var spectrum = new float[2L * channels * samples];
        backend.Spectral.Fk(input.Data, channels, samples, scale, spectrum);
        if (Output == "complex") return new Block(layout, spectrum);

        var reduced = new float[(long)channels * samples];
        bool power = Output == "power";
        for (long i = 0; i < reduced.LongLength; i++)
        {
            double re = spectrum[2 * i], im = spectrum[2 * i + 1], squared = re * re + im * im;
            reduced[i] = (float)(power ? squared : Math.Sqrt(squared));
        }
        return new Block(layout, reduced);
    }
}
