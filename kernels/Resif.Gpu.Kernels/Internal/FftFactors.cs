namespace Resif.Gpu.Kernels.Internal;

/// <summary>Host-side planning of the device FFT: radix sequences, Bluestein's padded length, twiddle and chirp tables.</summary>
internal static class FftFactors
{
    /// <summary>
    /// The radices (4 first — a radix-4 pass does the work of two radix-2 passes in one read and write — then 2, 3, 5)
    /// whose product is <paramref name="length"/>, or null when it has a prime factor above 5 (Bluestein's case).
    /// </summary>
    public static int[]? Radices(int length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "must be positive");
        var radices = new List<int>();
        int rest = length;
        foreach (int radix in (ReadOnlySpan<int>)[4, 2, 3, 5])
        {
            while (rest % radix == 0)
            {
                radices.Add(radix);
                rest /= radix;
            }
        }
        return rest == 1 ? [.. radices] : null;
    }

    /// <summary>The smallest 2,3,5-smooth number ≥ <paramref name="minimum"/> (Bluestein's convolution length).</summary>
    public static int NextSmooth(int minimum)
    {
        for (int candidate = Math.Max(1, minimum); ; candidate = checked(candidate + 1))
        {
            int rest = candidate;
            foreach (int prime in (ReadOnlySpan<int>)[2, 3, 5])
            {
                while (rest % prime == 0) rest /= prime;
            }
            if (rest == 1) return candidate;
        }
    }

    /// <summary>exp(−2πi t/n) for t &lt; n, interleaved, computed in float64 and rounded once to float32.</summary>
    public static float[] Twiddles(int length)
    {
        var table = new float[2 * length];
        for (int t = 0; t < length; t++)
        {
            double angle = -2.0 * Math.PI * t / length;
            table[2 * t] = (float)Math.Cos(angle);
            table[2 * t + 1] = (float)Math.Sin(angle);
        }
        return table;
    }

    /// <summary>exp(−πi k²/n) for k &lt; n, interleaved; k² is reduced mod 2n in integers so the angle stays exact for large k.</summary>
    public static float[] Chirp(int length)
    {
        var table = new float[2 * length];
        for (int k = 0; k < length; k++)
        {
            double angle = -Math.PI * ((long)k * k % (2L * length)) / length;
            table[2 * k] = (float)Math.Cos(angle);
            table[2 * k + 1] = (float)Math.Sin(angle);
        }
        return table;
    }
}
