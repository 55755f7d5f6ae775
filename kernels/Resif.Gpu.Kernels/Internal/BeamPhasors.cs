namespace Resif.Gpu.Kernels.Internal;

/// <summary>A complex value in float64, returned by device helpers.</summary>
internal readonly struct Phasor(double re, double im)
{
    public readonly double Re = re;
    public readonly double Im = im;
}

/// <summary>
/// exp(2πi·cycles) from plain float64 arithmetic, so the beam kernels need no trigonometric intrinsic (ILGPU's PTX
/// backend has none for float64 without libdevice): the phase is reduced in cycles to an eighth of a turn around the
/// nearest quarter, then Taylor series to degree 16 (truncation below 5e-17 for |θ| ≤ π/4) and an exact quarter-turn
/// rotation. Accurate to a few float64 ulps of the reduced phase for any |cycles| &lt; 2^52.
/// </summary>
internal static class BeamPhasors
{
    public static Phasor OfCycles(double cycles)
    {
        double quarters = Math.Floor(4.0 * cycles + 0.5);
        double theta = 2.0 * Math.PI * (cycles - 0.25 * quarters);
        double t2 = theta * theta;
        double sin = theta * (1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0 * (1.0 - t2 / 72.0 * (1.0 - t2 / 110.0 * (1.0 - t2 / 156.0 * (1.0 - t2 / 210.0)))))));
        double cos = 1.0 - t2 / 2.0 * (1.0 - t2 / 12.0 * (1.0 - t2 / 30.0 * (1.0 - t2 / 56.0 * (1.0 - t2 / 90.0 * (1.0 - t2 / 132.0 * (1.0 - t2 / 182.0 * (1.0 - t2 / 240.0)))))));
        // Rotate by the removed quarter turns: quarters mod 4 (the remainder of a float64 holding an integer is exact).
        double turn = quarters - 4.0 * Math.Floor(0.25 * quarters);
        if (turn == 1.0) return new Phasor(-sin, cos);
        if (turn == 2.0) return new Phasor(-cos, -sin);
        if (turn == 3.0) return new Phasor(sin, -cos);
        return new Phasor(cos, sin);
    }
}
