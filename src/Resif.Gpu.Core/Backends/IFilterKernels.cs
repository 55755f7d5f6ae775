namespace Resif.Gpu.Core;

/// <summary>How a cascade of second-order sections is run along each row.</summary>
public enum SosMode
{
    /// <summary><c>scipy.signal.sosfilt</c>, zero initial state (ObsPy/DASCore/xdas with zerophase off).</summary>
    Causal,

    /// <summary>ObsPy's zerophase: forward pass, then a pass over the reversed result; zero state, no padding.</summary>
    ZeroPhase,

    /// <summary>
    /// <c>scipy.signal.sosfiltfilt</c> defaults (DASCore <c>pass_filter</c>): odd extension of
    /// <c>FilterDesign.OddPadLength(sos)</c> samples at each end and steady-state initial conditions
    /// (<c>FilterDesign.SteadyStateState(sos)</c> × first sample of each pass). Rows must be longer than the pad.
    /// </summary>
    ZeroPhaseOddPad,
}

public enum DetrendType
{
    /// <summary>Subtract the row mean.</summary>
    Demean,

    /// <summary>Subtract the least-squares straight line (<c>scipy.signal.detrend(type='linear')</c>).</summary>
    Linear,
}

/// <summary>One stage of <see cref="IFilterKernels.SosChain"/>: a cascade run in a mode, then every factor-th sample kept (1 = all).</summary>
public sealed record SosStage(double[] Sections, SosMode Mode, int Factor = 1)
{
    /// <summary>Columns left after <paramref name="stages"/> run over rows of <paramref name="columns"/> samples.</summary>
    public static int OutputColumns(int columns, IEnumerable<SosStage> stages) =>
        stages.Aggregate(columns, (n, stage) => (n + stage.Factor - 1) / stage.Factor);
}

/// <summary>
/// Filter-family kernels. Every kernel works on channel-major float32 data [rows = channels, columns = samples],
/// each row independent; coefficients are float64 and recursion state is float64 (float32 state is too
/// inaccurate for poles near the unit circle). Sections are flattened six values per section:
/// [b0, b1, b2, a0, a1, a2], as <c>Dsp.FilterDesign</c> returns them.
/// </summary>
public interface IFilterKernels
{
    /// <summary>Runs the cascade <paramref name="sos"/> along every row, in place.</summary>
    void SosFilter(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode);

    /// <summary>
    /// Runs the cascade causally along every row in place, starting from and leaving behind the float64 state in
    /// <paramref name="state"/> (<c>rows × sections × 2</c> values: per row, per section, z0 then z1 of the
    /// transposed direct form II with a0 = 1; zeros = rest, <c>FilterDesign.SteadyStateState</c> × x = steady state).
    /// Calls on consecutive column ranges give exactly the values of one <see cref="SosMode.Causal"/> call over the
    /// whole rows: this is how time chunks carry the filter across their boundaries.
    /// </summary>
    void SosFilterContinue(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, Span<double> state);

    /// <summary>
    /// Polyphase FIR resampling by <paramref name="up"/>/<paramref name="down"/>, computing only the kept samples:
    /// with the input upsampled by inserting up − 1 zeros (u), <c>output[r, j] = Σ_i taps[i] · u[r, j·down + delay − i]</c>,
    /// samples outside the row counting as zero (<c>scipy.signal.upfirdn</c> then a window of its output, as
    /// <c>resample_poly</c> does). <paramref name="output"/> holds <c>rows × ceil(columns · up / down)</c> values.
    /// Decimation is <c>up = 1</c>.
    /// </summary>
    void FirResample(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> taps, int up, int down, int delay, Span<float> output);

    /// <summary>
    /// Runs the cascade as <see cref="SosFilter"/> would and keeps every <paramref name="factor"/>-th sample from
    /// sample 0 (anti-alias filter then decimation, fused: only kept samples are written). <paramref name="input"/>
    /// is left unchanged; <paramref name="output"/> holds <c>rows × ceil(columns / factor)</c> values.
    /// </summary>
    void SosFilterDecimate(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode, int factor, Span<float> output);

    /// <summary>
    /// Runs the stages one after the other, each exactly as <see cref="SosFilterDecimate"/> (or <see cref="SosFilter"/>
    /// for factor 1) would on the previous stage's float32 output, and writes the last stage's output
    /// (<c>rows × SosStage.OutputColumns(columns, stages)</c> values). <paramref name="output"/> may be
    /// <paramref name="input"/>'s memory when no stage decimates. This default runs the stages one by one; a backend
    /// may fuse them (the CPU backend keeps each channel group in cache through the whole chain).
    /// </summary>
    void SosChain(ReadOnlySpan<float> input, int rows, int columns, IReadOnlyList<SosStage> stages, Span<float> output)
    {
        var current = input.Slice(0, rows * columns).ToArray();
        int n = columns;
        foreach (var stage in stages)
        {
            if (stage.Factor == 1)
            {
                SosFilter(current, rows, n, stage.Sections, stage.Mode);
                continue;
            }
            int kept = (n + stage.Factor - 1) / stage.Factor;
            var next = new float[rows * kept];
            SosFilterDecimate(current, rows, n, stage.Sections, stage.Mode, stage.Factor, next);
            (current, n) = (next, kept);
        }
        current.CopyTo(output);
    }

    /// <summary>
    /// A stream of the chain over time chunks of <paramref name="rows"/> rows (see <see cref="ISosChainStream"/>), or
    /// null when the backend has none of its own: callers then stream the operations one by one.
    /// </summary>
    ISosChainStream? OpenSosChainStream(int rows, IReadOnlyList<SosStage> stages) => null;

    /// <summary>Removes the mean or the least-squares line of each row, in place (computed in float64).</summary>
    void Detrend(Span<float> data, int rows, int columns, DetrendType type);

    /// <summary>Multiplies every row by <paramref name="weights"/> (one weight per column), in place.</summary>
    void MultiplyColumns(Span<float> data, int rows, int columns, ReadOnlySpan<double> weights);
}
