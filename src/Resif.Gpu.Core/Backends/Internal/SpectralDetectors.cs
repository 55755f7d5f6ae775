namespace Resif.Gpu.Core.Internal;

/// <summary>Per-row detectors and statistics in float64, following ObsPy's definitions.</summary>
internal static class SpectralDetectors
{
    private const double SmallestNormal = 2.2250738585072014E-308;

    /// <summary>
    /// ObsPy <c>classic_sta_lta</c>: trailing means of x² over nsta and nlta samples (partial sums divided by the
    /// full length before a window fills), STA zeroed for the first nlta−1 samples, LTA floored at the smallest
    /// normal double. Running sums replace ObsPy's cumsum (same values, less cancellation on long records).
    /// </summary>
    public static void ClassicStaLta(ReadOnlySpan<float> x, Span<float> cf, int nsta, int nlta)
    {
        double staSum = 0, ltaSum = 0, staScale = 1.0 / nsta, ltaScale = 1.0 / nlta; // one division per sample, not three
        for (int n = 0; n < x.Length; n++)
        {
            double energy = (double)x[n] * x[n];
            staSum += energy;
            ltaSum += energy;
            if (n >= nsta) staSum -= (double)x[n - nsta] * x[n - nsta];
            if (n >= nlta) ltaSum -= (double)x[n - nlta] * x[n - nlta];
            if (n < nlta - 1)
            {
                cf[n] = 0;
                continue;
            }
            // Running sums may end a hair below 0 after a loud event; the floor also keeps 0/0 out.
            double lta = ltaSum * ltaScale;
            if (!(lta >= SmallestNormal)) lta = SmallestNormal;
            cf[n] = staSum > 0 ? (float)(staSum * staScale / lta) : 0;
        }
    }

    /// <summary>
    /// ObsPy <c>recursive_sta_lta</c>: exponential averages of x² from index 1 on, both starting at 0; the first
    /// nlta values are set to 0 when nlta is shorter than the record. Where the LTA is 0 (all-zero input so far) the output is 0 rather than NaN.
    /// </summary>
    public static void RecursiveStaLta(ReadOnlySpan<float> x, Span<float> cf, int nsta, int nlta)
    {
        double csta = 1.0 / nsta, clta = 1.0 / nlta, sta = 0, lta = 0;
        if (x.Length > 0) cf[0] = 0;
        for (int i = 1; i < x.Length; i++)
        {
            double energy = (double)x[i] * x[i];
            sta = csta * energy + (1 - csta) * sta;
            lta = clta * energy + (1 - clta) * lta;
            cf[i] = (i < nlta && nlta < x.Length) || lta == 0 ? 0 : (float)(sta / lta);
        }
    }

    /// <summary>Population standard deviation (ddof = 0), two-pass for accuracy.</summary>
    public static double StandardDeviation(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return 0;
        double mean = 0;
        foreach (float v in x) mean += v;
        mean /= x.Length;
        double sum = 0;
        foreach (float v in x) sum += (v - mean) * (v - mean);
        return Math.Sqrt(sum / x.Length);
    }
}
