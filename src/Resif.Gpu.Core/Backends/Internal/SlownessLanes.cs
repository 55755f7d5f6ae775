namespace Resif.Gpu.Core.Internal;

/// <summary>
/// The steering lanes of a slowness grid: lane i steers with <see cref="Slowness"/>[i] and its beams go to output row
/// <see cref="Plus"/>[i] and, for a mirrored pair, the row <see cref="Minus"/>[i] of −Slowness[i] (−1: no row).
/// Padded with idle lanes to a whole number of tiles.
/// </summary>
internal sealed class SlownessLanes
{
    /// <summary>
    /// Two slownesses whose sum is within this many float64 ulps of the grid's largest |s| count as exact mirrors
    /// (np.linspace(−a, a, n) is symmetric only to rounding). The phase error that ignores is 2π·f·x·|s₁ + s₂|:
    /// ~1e-9 rad for f = 10 kHz, x = 100 km and |s| = 0.01 s/m, far below the float32 steering's ~6e-8.
    /// </summary>
    private const double MirrorUlps = 8;

    private SlownessLanes(double[] slowness, int[] plus, int[] minus)
    {
        Slowness = slowness;
        Plus = plus;
        Minus = minus;
    }

    public double[] Slowness { get; }

    public int[] Plus { get; }

    public int[] Minus { get; }

    /// <summary>Pairs each slowness with a mirror where the grid has one (sorted, from both ends inwards); the rest get a lane each.</summary>
    public static SlownessLanes Pair(double[] slownesses, int tile)
    {
        var order = Enumerable.Range(0, slownesses.Length).OrderBy(i => slownesses[i]).ToArray();
        double largest = slownesses.Length == 0 ? 0 : slownesses.Max(Math.Abs);
        double tolerance = MirrorUlps * (Math.BitIncrement(largest) - largest);
        var slowness = new List<double>();
        var plus = new List<int>();
        var minus = new List<int>();
        int low = 0, high = order.Length - 1;
        while (low <= high)
        {
            double s = slownesses[order[low]], t = slownesses[order[high]];
            if (low < high && Math.Abs(s + t) <= tolerance)
            {
                // Steer with the non-negative member: its conjugate beam is the other's.
                slowness.Add(t);
                plus.Add(order[high--]);
                minus.Add(order[low++]);
            }
            else if (-s > t)
            {
                slowness.Add(s);
                plus.Add(order[low++]);
                minus.Add(-1);
            }
            else
            {
                slowness.Add(t);
                plus.Add(order[high--]);
                minus.Add(-1);
            }
        }
        while (slowness.Count % tile != 0)
        {
            slowness.Add(0);
            plus.Add(-1);
            minus.Add(-1);
        }
        return new SlownessLanes([.. slowness], [.. plus], [.. minus]);
    }
}
