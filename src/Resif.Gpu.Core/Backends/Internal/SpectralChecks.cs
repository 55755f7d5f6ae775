namespace Resif.Gpu.Core.Internal;

/// <summary>Argument checks shared by the spectral kernels (buffers may be longer than needed, never shorter).</summary>
internal static class SpectralChecks
{
    public static void Require(float[] array, long needed, string name)
    {
        if (array.LongLength < needed) throw new ArgumentException($"holds {array.LongLength} floats, {needed} needed", name);
    }
}
