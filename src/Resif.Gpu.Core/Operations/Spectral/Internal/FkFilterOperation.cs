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
        int rows = input.Rows, columns = input.Columns;
        var (channels, samples) = TransformShape(rows, columns);
        var data = SpectralLayouts.ZeroPad(input.Data, rows, columns, channels, samples);
        backend.Spectral.FkMask(data, channels, samples, Mask(input.Layout, channels, samples));
        if (data != input.Data)
        {
            for (int r = 0; r < rows; r++) data.AsSpan(r * samples, columns).CopyTo(input.Data.AsSpan(r * columns));
        }
        return input;
    }

    // The device step filters the block in place: it describes only transforms that need no padding.
    public override DeviceStep? DeviceStep(TensorLayout input)
    {
        int rows = (int)input.Shape[0], columns = (int)input.Shape[1];
        var (channels, samples) = TransformShape(rows, columns);
        return channels == rows && samples == columns ? new FkMaskStep(Mask(input, channels, samples)) : null;
    }

    private (int Channels, int Samples) TransformShape(int rows, int columns) =>
        Set.Flag("pad") ? ((int)SpectralLayouts.FastLength(rows), (int)SpectralLayouts.FastLength(columns)) : (rows, columns);

    /// <summary>The FK weights [channels, samples] in unshifted FFT order, as <see cref="ISpectralKernels.FkMask"/> takes them.</summary>
    private float[] Mask(TensorLayout layout, int channels, int samples)
    {
        var wavenumbers = SpectralLayouts.Frequencies(channels, SpectralLayouts.DistanceStep(layout, Name));
        var frequencies = SpectralLayouts.Frequencies(samples, SpectralLayouts.TimeStep(layout, Name));
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
        return mask;
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
