using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Up to <see cref="SosCascade.Lanes"/> consecutive rows of a channel-major float32 block, moved to and from a
/// time-major float64 buffer (step t, lane c at <c>buffer[t * Lanes + c]</c>). Lanes without a row hold zeros.
/// </summary>
internal readonly unsafe struct RowGroup(float* first, int columns, int count)
{
    private const int Lanes = SosCascade.Lanes;

    public int Columns => columns;

    public void Gather(int start, int steps, double* buffer)
    {
        for (int c = 0; c < Lanes; c++)
        {
            double* target = buffer + c;
            if (c >= count)
            {
                for (int t = 0; t < steps; t++) target[t * Lanes] = 0;
                continue;
            }
            float* source = first + (long)c * columns + start;
            for (int t = 0; t < steps; t++) target[t * Lanes] = source[t];
        }
    }

    public void Scatter(double* buffer, int start, int steps)
    {
        for (int c = 0; c < count; c++)
        {
            double* source = buffer + c;
            float* target = first + (long)c * columns + start;
            for (int t = 0; t < steps; t++) target[t] = (float)source[t * Lanes];
        }
    }

    /// <summary>
    /// Odd extension as scipy's odd_ext: the <paramref name="columns"/> steps after <paramref name="pad"/> leading
    /// slots are data; fills <c>2·x[0] − x[k]</c> before and <c>2·x[n−1] − x[n−1−k]</c> after, k = 1..pad.
    /// </summary>
    public static void OddExtend(double* buffer, int columns, int pad)
    {
        double* x = buffer + pad * Lanes;
        var firstLo = Vector256.Load(x);
        var firstHi = Vector256.Load(x + 4);
        var lastLo = Vector256.Load(x + (columns - 1) * Lanes);
        var lastHi = Vector256.Load(x + (columns - 1) * Lanes + 4);
        for (int k = 1; k <= pad; k++)
        {
            (firstLo + firstLo - Vector256.Load(x + k * Lanes)).Store(x - k * Lanes);
            (firstHi + firstHi - Vector256.Load(x + k * Lanes + 4)).Store(x - k * Lanes + 4);
            (lastLo + lastLo - Vector256.Load(x + (columns - 1 - k) * Lanes)).Store(x + (columns - 1 + k) * Lanes);
            (lastHi + lastHi - Vector256.Load(x + (columns - 1 - k) * Lanes + 4)).Store(x + (columns - 1 + k) * Lanes + 4);
        }
    }
}
