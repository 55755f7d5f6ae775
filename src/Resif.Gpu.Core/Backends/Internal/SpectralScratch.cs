namespace Resif.Gpu.Core.Internal;

/// <summary>Per-thread float64 split-complex buffers for one row transform.</summary>
internal sealed class SpectralScratch(int length)
{
    public double[] Re { get; } = new double[length];

    public double[] Im { get; } = new double[length];

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
