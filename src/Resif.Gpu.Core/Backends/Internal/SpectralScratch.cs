using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Internal;

/// <summary>Per-thread float64 split-complex buffers for one row transform (two for a pair of real rows).</summary>
internal sealed class SpectralScratch(int length)
{
    public double[] Re { get; } = new double[length];

    public double[] Im { get; } = new double[length];

    private double[]? _pairRe, _pairIm;

    // Allocated on first use: column transforms never pair rows.
    public double[] PairRe => _pairRe ??= new double[length];

    public double[] PairIm => _pairIm ??= new double[length];

    /// <summary>
    /// Spectra of two real rows from one complex FFT of a + i·b: A[k] = (Z[k] + conj Z[n−k]) / 2 lands in
    /// (Re, Im) and B[k] = (Z[k] − conj Z[n−k]) / 2i in (PairRe, PairIm).
    /// </summary>
    public void ForwardPair(ReadOnlySpan<float> a, ReadOnlySpan<float> b, FftPlan plan)
    {
        int n = Re.Length;
        for (int i = 0; i < n; i++)
        {
            Re[i] = a[i];
            Im[i] = b[i];
        }
        plan.Forward(Re, Im);
        for (int k = 0; k <= n / 2; k++)
        {
            int mirror = (n - k) % n;
            double zr = Re[k], zi = Im[k], mr = Re[mirror], mi = Im[mirror];
            double ar = (zr + mr) / 2, ai = (zi - mi) / 2, br = (zi + mi) / 2, bi = (mr - zr) / 2;
            Re[k] = ar;
            Im[k] = ai;
            Re[mirror] = ar;
            Im[mirror] = -ai;
            PairRe[k] = br;
            PairIm[k] = bi;
            PairRe[mirror] = br;
            PairIm[mirror] = -bi;
        }
    }

    public void LoadReal(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) Re[i] = values[i];
        Array.Clear(Im);
    }

    public void LoadComplex(ReadOnlySpan<float> interleaved)
    {
        for (int i = 0; i < Re.Length; i++)
        {
            Re[i] = interleaved[2 * i];
            Im[i] = interleaved[2 * i + 1];
        }
    }

    public void StoreComplex(Span<float> interleaved)
    {
        for (int i = 0; i < Re.Length; i++)
        {
            interleaved[2 * i] = (float)Re[i];
            interleaved[2 * i + 1] = (float)Im[i];
        }
    }
}

/// <summary>Argument checks shared by the spectral kernels (buffers may be longer than needed, never shorter).</summary>
internal static class SpectralChecks
{
    public static void Require(float[] array, long needed, string name)
    {
        if (array.LongLength < needed) throw new ArgumentException($"holds {array.LongLength} floats, {needed} needed", name);
    }
}
