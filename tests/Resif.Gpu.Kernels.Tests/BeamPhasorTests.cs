using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>The trigonometry-free exp(2πi·cycles) of the beam kernels, on the host (the same C# the kernels compile).</summary>
public sealed class BeamPhasorTests
{
    /// <summary>
    /// Against Math.SinCos of the phase reduced exactly (IEEERemainder of a float64 by 1 is exact) to [−π, π]: the
    /// Taylor truncation is below 5e-17 and the reduction loses nothing, so a few ulps of 1 (1e-15) must hold; a phase
    /// reduced after multiplying by 2π would lose |cycles|·1e-16 instead, 1e-10 at the largest case here.
    /// </summary>
    [Fact]
    public void Phasors_match_sin_and_cos_of_the_exactly_reduced_phase_far_from_zero()
    {
        double[] cycles = [0.0, 0.125, -0.125, 0.25, 0.375, 0.5, -0.5, 0.75, -0.75, 1.0 / 3, 2.625, -7.875, 123.456789, -9876.54321, 1e6 + 0.3, -3.3e7 + 0.9];
        var random = new Random(6);
        foreach (double c in cycles.Concat(Enumerable.Range(0, 2000).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 7)))))
        {
            var (sin, cos) = Math.SinCos(2 * Math.PI * Math.IEEERemainder(c, 1.0));
            Phasor phasor = BeamPhasors.OfCycles(c);
            Assert.True(Math.Abs(phasor.Re - cos) <= 1e-15 && Math.Abs(phasor.Im - sin) <= 1e-15,
                $"cycles {c:R}: got ({phasor.Re:R}, {phasor.Im:R}), expected ({cos:R}, {sin:R})");
        }
    }
}
