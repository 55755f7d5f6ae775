namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>Per-row float64 reductions used by the filter family.</summary>
internal static class RowKernels
{
    public static void Detrend(Span<float> x, DetrendType type)
    {
        int n = x.Length;
        if (n == 0) return;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += x[i];
        mean /= n;
        double slope = 0, centre = (n - 1) / 2.0;
        if (type == DetrendType.Linear && n > 1)
        {
            // Least-squares slope about the centre of the window (centred abscissa keeps it well conditioned).
            double sxy = 0, sxx = 0;
            for (int i = 0; i < n; i++)
            {
                double t = i - centre;
                sxy += t * (x[i] - mean);
                sxx += t * t;
            }
            slope = sxy / sxx;
        }
        for (int i = 0; i < n; i++) x[i] = (float)(x[i] - mean - slope * (i - centre));
    }
}
