using Resif.Gpu.Core.Dsp.Internal;

namespace Resif.Gpu.Core.Dsp;

public enum FilterBand
{
    Lowpass,
    Highpass,
    Bandpass,
    Bandstop,
}

/// <summary>ObsPy's <c>lowpass_cheby_2</c> anti-alias design: the order reached, its edge and the sections.</summary>
public sealed record ObspyCheby2Design(int Order, double NormalizedEdge, double PassbandHz, double[] Sos);

/// <summary>
/// Digital filter designs that reproduce SciPy's (and therefore ObsPy's, DASCore's and xdas's) coefficients.
/// Frequencies are normalised to Nyquist (1 = fs/2) as in <c>scipy.signal.iirfilter</c>. Second-order sections are
/// flattened row by row, six values per section: [b0, b1, b2, a0 = 1, a1, a2].
/// </summary>
public static class FilterDesign
{
    /// <summary><c>iirfilter(order, wn, btype, ftype='butter', output='sos')</c>.</summary>
    public static double[] Butterworth(int order, FilterBand band, params double[] wn) =>
        Digital(Zpk.ButterworthPrototype(order), band, wn);

    /// <summary><c>iirfilter(order, wn, rp=rippleDb, btype, ftype='cheby1', output='sos')</c>.</summary>
    public static double[] Chebyshev1(int order, double rippleDb, FilterBand band, params double[] wn) =>
        Digital(Zpk.Chebyshev1Prototype(order, rippleDb), band, wn);

    /// <summary><c>iirfilter(order, wn, rs=stopDb, btype, ftype='cheby2', output='sos')</c>.</summary>
    public static double[] Chebyshev2(int order, double stopDb, FilterBand band, params double[] wn) =>
        Digital(Zpk.Chebyshev2Prototype(order, stopDb), band, wn);

    /// <summary>The anti-alias filter of <c>scipy.signal.decimate(x, q)</c>: Chebyshev I, order 8, 0.05 dB, edge 0.8/q.</summary>
    public static double[] DecimationIir(int factor) => Chebyshev1(8, 0.05, FilterBand.Lowpass, 0.8 / factor);

    /// <summary>The taps of <c>scipy.signal.decimate(x, q, ftype='fir')</c>: <c>firwin(20q + 1, 1/q, window='hamming')</c>.</summary>
    public static double[] DecimationFir(int factor) => FirLowpassHamming(20 * factor + 1, 1.0 / factor);

    /// <summary>
    /// <c>scipy.signal.cheb2ord(wp, ws, passDb, stopDb)</c> for a digital lowpass: the smallest order meeting the
    /// specification and the natural frequency to design it at.
    /// </summary>
    public static (int Order, double Wn) Chebyshev2LowpassOrder(double wp, double ws, double passDb, double stopDb)
    {
        double pass = Math.Tan(Math.PI * wp / 2), stop = Math.Tan(Math.PI * ws / 2);
        double gStop = Math.Pow(10, 0.1 * Math.Abs(stopDb)), gPass = Math.Pow(10, 0.1 * Math.Abs(passDb));
        double selectivity = Math.Acosh(Math.Sqrt((gStop - 1) / (gPass - 1)));
        int order = (int)Math.Ceiling(selectivity / Math.Acosh(stop / pass));
        double natural = pass * Math.Cosh(selectivity / order);
        return (order, 2 / Math.PI * Math.Atan(natural));
    }

    /// <summary>
    /// ObsPy's <c>lowpass_cheby_2(freq, df, maxorder)</c> as used by <c>Trace.decimate</c>: 1 dB passband ripple,
    /// 96 dB stopband from <paramref name="freq"/>, the passband edge lowered by 1 % steps until the order fits.
    /// </summary>
    public static ObspyCheby2Design ObspyLowpassCheby2(double freq, double samplingRate, int maxOrder = 12)
    {
        const double passDb = 1, stopDb = 96;
        double nyquist = samplingRate / 2;
        double ws = Math.Min(freq / nyquist, 1), wp = freq / nyquist;
        int order;
        double wn;
        do
        {
            wp *= 0.99;
            (order, wn) = Chebyshev2LowpassOrder(wp, ws, passDb, stopDb);
        }
        while (order > maxOrder);
        return new ObspyCheby2Design(order, wn, wp * nyquist, Chebyshev2(order, stopDb, FilterBand.Lowpass, wn));
    }

    /// <summary><c>scipy.signal.firwin(taps, cutoff, window='hamming')</c>: windowed-sinc lowpass, unit gain at DC.</summary>
    public static double[] FirLowpassHamming(int taps, double cutoff) =>
        FirLowpass(taps, cutoff, i => taps == 1 ? 1 : 0.54 - 0.46 * Math.Cos(2 * Math.PI * i / (taps - 1)));

    /// <summary><c>scipy.signal.firwin(taps, cutoff, window=('kaiser', beta))</c>.</summary>
    public static double[] FirLowpassKaiser(int taps, double cutoff, double beta)
    {
        double centre = 0.5 * (taps - 1);
        return FirLowpass(taps, cutoff, i => taps == 1 ? 1 : BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - Math.Pow((i - centre) / centre, 2)))) / BesselI0(beta));
    }

    /// <summary>
    /// The default filter of <c>scipy.signal.resample_poly(x, up, down)</c> (up/down already reduced):
    /// <c>firwin(20·max + 1, 1/max, window=('kaiser', 5.0)) · up</c> with max = max(up, down).
    /// </summary>
    public static double[] ResamplePolyTaps(int up, int down)
    {
        int maxRate = Math.Max(up, down);
        var h = FirLowpassKaiser(2 * 10 * maxRate + 1, 1.0 / maxRate, 5.0);
        for (int i = 0; i < h.Length; i++) h[i] *= up;
        return h;
    }

    /// <summary>
    /// Where <c>resample_poly</c> puts output 0 on the upsampled axis for a filter of <paramref name="taps"/> taps:
    /// it front-pads the filter so that outputs sit at the centre tap and input sample 0 stays at t0.
    /// </summary>
    public static int ResamplePolyDelay(int taps, int down)
    {
        int halfLength = (taps - 1) / 2;
        int prePad = down - halfLength % down;
        int preRemove = (halfLength + prePad) / down;
        return preRemove * down - prePad;
    }

    /// <summary>
    /// <c>scipy.signal.sosfilt_zi(sos)</c>: per-section state [z0, z1] of the step-response steady state, so that
    /// <c>zi * x[0]</c> starts a cascade without a transient. Returned flattened, two values per section.
    /// </summary>
    public static double[] SteadyStateState(ReadOnlySpan<double> sos)
    {
        int sections = SectionCount(sos);
        var zi = new double[2 * sections];
        double scale = 1;
        for (int s = 0; s < sections; s++)
        {
            var c = sos.Slice(6 * s, 6);
            double b0 = c[0] / c[3], b1 = c[1] / c[3], b2 = c[2] / c[3], a1 = c[4] / c[3], a2 = c[5] / c[3];
            double z0 = (b1 - a1 * b0 + b2 - a2 * b0) / (1 + a1 + a2);
            zi[2 * s] = scale * z0;
            zi[2 * s + 1] = scale * (b2 - a2 * b0 - a2 * z0);
            scale *= (c[0] + c[1] + c[2]) / (c[3] + c[4] + c[5]);
        }
        return zi;
    }

    /// <summary>
    /// Samples after which the free response of the cascade's slowest pole (largest radius r) has decayed below
    /// <paramref name="relative"/>: ceil(ln(relative) / ln r). <see cref="int.MaxValue"/> for a pole on or outside the
    /// unit circle. Zero-phase time chunking holds this many samples back for <see cref="StreamOverlapDecay"/>.
    /// </summary>
    /// <summary>
    /// Relative decay of the slowest pole over the overlap a zero-phase time stream holds back: the backward pass of
    /// each piece it releases starts at rest that many samples after it, instead of from the true (unknown) future.
    /// </summary>
    public const double StreamOverlapDecay = 1e-10;

    public static int DecayLength(ReadOnlySpan<double> sos, double relative)
    {
        double radius = 0;
        for (int s = 0; s < SectionCount(sos); s++)
        {
            double a1 = sos[6 * s + 4] / sos[6 * s + 3], a2 = sos[6 * s + 5] / sos[6 * s + 3];
            double discriminant = a1 * a1 - 4 * a2;
            // Complex pair: |p|² = a2; real poles: the larger root of z² + a1·z + a2.
            double sectionRadius = discriminant < 0 ? Math.Sqrt(a2) : (Math.Abs(a1) + Math.Sqrt(discriminant)) / 2;
            radius = Math.Max(radius, sectionRadius);
        }
        if (radius >= 1) return int.MaxValue;
        if (radius == 0) return 0;
        return (int)Math.Min(int.MaxValue, Math.Ceiling(Math.Log(relative) / Math.Log(radius)));
    }

    /// <summary>
    /// The default padding of <c>scipy.signal.sosfiltfilt</c>: 3 × (2 × sections + 1), less one tap for each
    /// section pair that is first order (b2 = 0 and a2 = 0). The signal must be longer than this.
    /// </summary>
    public static int OddPadLength(ReadOnlySpan<double> sos)
    {
        int sections = SectionCount(sos), zeroB2 = 0, zeroA2 = 0;
        for (int s = 0; s < sections; s++)
        {
            if (sos[6 * s + 2] == 0) zeroB2++;
            if (sos[6 * s + 5] == 0) zeroA2++;
        }
        return 3 * (2 * sections + 1 - Math.Min(zeroB2, zeroA2));
    }

    public static int SectionCount(ReadOnlySpan<double> sos) =>
        sos.Length % 6 == 0 && sos.Length > 0 ? sos.Length / 6 : throw new ArgumentException("sections need six coefficients each", nameof(sos));

    private static double[] FirLowpass(int taps, double cutoff, Func<int, double> window)
    {
        var h = new double[taps];
        double centre = 0.5 * (taps - 1);
        for (int i = 0; i < taps; i++) h[i] = cutoff * Sinc(cutoff * (i - centre)) * window(i);
        double sum = h.Sum();
        for (int i = 0; i < taps; i++) h[i] /= sum;
        return h;
    }

    // Modified Bessel function of the first kind, order 0, by its power series (converges fast for Kaiser betas).
    private static double BesselI0(double x)
    {
        double term = 1, sum = 1, quarterSquare = x * x / 4;
        for (int k = 1; term > 1e-17 * sum; k++)
        {
            term *= quarterSquare / ((double)k * k);
            sum += term;
        }
        return sum;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    // SciPy's iirfilter route: analog prototype, frequency transform at pre-warped edges (fs = 2), bilinear, sections.
    private static double[] Digital(Zpk prototype, FilterBand band, double[] wn)
    {
        int edges = band is FilterBand.Bandpass or FilterBand.Bandstop ? 2 : 1;
        if (wn.Length != edges) throw new ArgumentException($"{band} needs {edges} edge frequencies", nameof(wn));
        if (wn.Any(w => !(w > 0 && w < 1))) throw new ArgumentException("edge frequencies must lie strictly between 0 and Nyquist (1)", nameof(wn));
        const double fs = 2;
        var warped = wn.Select(w => 2 * fs * Math.Tan(Math.PI * w / fs)).ToArray();
        var analog = band switch
        {
            FilterBand.Lowpass => prototype.LowpassToLowpass(warped[0]),
            FilterBand.Highpass => prototype.LowpassToHighpass(warped[0]),
            FilterBand.Bandpass => prototype.LowpassToBandpass(Math.Sqrt(warped[0] * warped[1]), warped[1] - warped[0]),
            _ => prototype.LowpassToBandstop(Math.Sqrt(warped[0] * warped[1]), warped[1] - warped[0]),
        };
        return SectionPairing.ToSections(analog.Bilinear(fs));
    }
}
