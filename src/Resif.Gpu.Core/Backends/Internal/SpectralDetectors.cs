namespace Resif.Gpu.Core.Internal;

/// <summary>Per-row detectors and statistics in float64, following ObsPy's definitions.</summary>
internal static class SpectralDetectors
{
    /// <summary>ObsPy <c>classic_sta_lta</c> over one whole row (see <see cref="ClassicStaLtaState"/>).</summary>
    public static void ClassicStaLta(ReadOnlySpan<float> x, Span<float> cf, int nsta, int nlta) => new ClassicStaLtaState(nsta, nlta).Process(x, cf);

    /// <summary>ObsPy <c>recursive_sta_lta</c> over one whole row (see <see cref="RecursiveStaLtaState"/>).</summary>
    public static void RecursiveStaLta(ReadOnlySpan<float> x, Span<float> cf, int nsta, int nlta) =>
        new RecursiveStaLtaState(nsta, nlta, x.Length).Process(x, cf);

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
