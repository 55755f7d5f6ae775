namespace Resif.Gpu.Core.Operations.Spectral.Internal;

/// <summary>
/// DASCore <c>slope_filter</c>: weights on the apparent velocity slope = f / k (m/s) of each FK bin, 1 on
/// [vb, vc], sine ramps on [va, vb] and [vc, vd], 0 elsewhere; |slope| unless directional (then negative
/// slopes are waves toward increasing distance); invert swaps pass and stop. With pad (DASCore's default) the
/// transforms run on the array zero-padded to next_fast_len on both axes (the mask on that grid) and the result is
/// cropped back, as DASCore's dft/idft pair does.
/// </summary>
internal sealed class FkFilterOperation : SpectralOperation
{
    // DASCore adds this to the wavenumber so that k = 0 gives a huge slope instead of a division by zero.
    private const double WavenumberGuard = 2.2e-16;

    private readonly double[] _corners;

    public FkFilterOperation(ParameterSet parameters) : base("fkfilter", parameters)
    {
        string[] names = ["va", "vb", "vc", "vd"];
        _corners = names.Select(parameters.Number).ToArray();
        for (int i = 1; i < names.Length; i++)
        {
            if (!(_corners[i] > _corners[i - 1]))
                throw parameters.Invalid(names[i], $"{_corners[i]} must be greater than {names[i - 1]} = {_corners[i - 1]} (va < vb < vc < vd)");
        }
    }

    public override bool ChannelsIndependent => false;

    public override TensorLayout Plan(TensorLayout input)
    {
        SpectralLayouts.DistanceStep(input, Name);
        return input;
    }

    public override Block Run(Block input, IBackend backend)
    {
        bool pad = Set.Flag("pad");
        int rows = input.Rows, columns = input.Columns;
        int channels = pad ? (int)SpectralLayouts.FastLength(rows) : rows, samples = pad ? (int)SpectralLayouts.FastLength(columns) : columns;
        var wavenumbers = SpectralLayouts.Frequencies(channels, SpectralLayouts.DistanceStep(input.Layout, Name));
        var frequencies = SpectralLayouts.Frequencies(samples, SpectralLayouts.TimeStep(input.Layout, Name));
        bool directional = Set.Flag("directional"), invert = Set.Flag("invert");
        var mask = new float[(long)channels * samples];
        for (int i = 0; i < channels; i++)
        {
            for (int j = 0; j < samples; j++)
            {
                double slope = frequencies[j] / (wavenumbers[i] + WavenumberGuard);
                double weight = Weight(directional ? slope : Math.Abs(slope));
                mask[(long)i * samples + j] = (float)(invert ? 1 - weight : weight);
            }
        }
        var data = SpectralLayouts.ZeroPad(input.Data, rows, columns, channels, samples);
        backend.Spectral.FkMask(data, channels, samples, mask);
        if (data != input.Data)
        {
            for (int r = 0; r < rows; r++) data.AsSpan(r * samples, columns).CopyTo(input.Data.AsSpan(r * columns));
        }
        return input;
    }

    private double Weight(double slope)
    {
        double va = _corners[0], vb = _corners[1], vc = _corners[2], vd = _corners[3];
        if (slope < va || slope > vd) return 0;
        if (slope < vb) return Math.Sin(Math.PI / 2 * (slope - va) / (vb - va));
        if (slope <= vc) return 1;
        return 1 - Math.Sin(Math.PI / 2 * (slope - vc) / (vd - vc));
    }
}
