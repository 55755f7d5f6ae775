using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Resif.Gpu.Core.Backends.Internal;

/// <summary>
/// Second-order-section cascade over a group of up to <see cref="Lanes"/> channels held time-major in float64
/// (channel = SIMD lane, two Vector256&lt;double&gt; per time step). Transposed direct form II, float64 state.
/// Work is done in tiles of <see cref="TileSteps"/> time steps (16 KB, stays in L1) running every section over a
/// tile before moving on, so each sample crosses memory once per pass.
/// </summary>
internal sealed unsafe class SosCascade
{
    public const int Lanes = 8;
    public const int TileSteps = 256;

    private readonly double[] _coefficients; // per section: b0, b1, b2, a1, a2 (normalised by a0)
    private readonly double[] _steadyState;  // per section: z0, z1 for a unit step (sosfilt_zi)

    public SosCascade(ReadOnlySpan<double> sos)
    {
        Sections = Dsp.FilterDesign.SectionCount(sos);
        _coefficients = new double[5 * Sections];
        for (int s = 0; s < Sections; s++)
        {
            double a0 = sos[6 * s + 3];
            if (a0 == 0) throw new ArgumentException($"section {s} has a0 = 0", nameof(sos));
            for (int i = 0; i < 3; i++) _coefficients[5 * s + i] = sos[6 * s + i] / a0;
            _coefficients[5 * s + 3] = sos[6 * s + 4] / a0;
            _coefficients[5 * s + 4] = sos[6 * s + 5] / a0;
        }
        _steadyState = Dsp.FilterDesign.SteadyStateState(sos);
    }

    public int Sections { get; }

    /// <summary>Number of Vector256&lt;double&gt; state slots <see cref="Reset"/> and <see cref="Run"/> need.</summary>
    public int StateLength => 4 * Sections;

    /// <summary>
    /// Sets the state to rest (<paramref name="first"/> null) or to the steady state for a constant input equal to
    /// the time step at <paramref name="first"/> (SciPy's <c>sosfilt_zi * x[0]</c>, lane by lane).
    /// </summary>
    public void Reset(Span<Vector256<double>> state, double* first)
    {
        for (int s = 0; s < Sections; s++)
        {
            if (first is null)
            {
                state.Slice(4 * s, 4).Clear();
                continue;
            }
            var lo = Vector256.Load(first);
            var hi = Vector256.Load(first + 4);
            state[4 * s] = lo * _steadyState[2 * s];
            state[4 * s + 1] = hi * _steadyState[2 * s];
            state[4 * s + 2] = lo * _steadyState[2 * s + 1];
            state[4 * s + 3] = hi * _steadyState[2 * s + 1];
        }
    }

    /// <summary>
    /// Filters <paramref name="steps"/> time steps of <see cref="Lanes"/> doubles at <paramref name="buffer"/> in
    /// place, in increasing time order or (reverse) from the last step down to the first, continuing from
    /// <paramref name="state"/>.
    /// </summary>
    public void Run(double* buffer, int steps, bool reverse, Span<Vector256<double>> state)
    {
        for (int done = 0; done < steps; done += TileSteps)
        {
            int count = Math.Min(TileSteps, steps - done);
            double* tile = reverse ? buffer + (steps - done - count) * Lanes : buffer + done * Lanes;
            for (int s = 0; s < Sections; s++) RunSection(tile, count, reverse, s, state.Slice(4 * s, 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunSection(double* tile, int count, bool reverse, int section, Span<Vector256<double>> state)
    {
        fixed (double* c = &_coefficients[5 * section])
        {
            var b0 = Vector256.Create(c[0]);
            var b1 = Vector256.Create(c[1]);
            var b2 = Vector256.Create(c[2]);
            var a1 = Vector256.Create(c[3]);
            var a2 = Vector256.Create(c[4]);
            Vector256<double> z0Lo = state[0], z0Hi = state[1], z1Lo = state[2], z1Hi = state[3];
            int step = reverse ? -Lanes : Lanes;
            double* p = reverse ? tile + (count - 1) * Lanes : tile;
            for (int t = 0; t < count; t++, p += step)
            {
                var xLo = Vector256.Load(p);
                var xHi = Vector256.Load(p + 4);
                var yLo = Vector256.FusedMultiplyAdd(b0, xLo, z0Lo);
                var yHi = Vector256.FusedMultiplyAdd(b0, xHi, z0Hi);
                z0Lo = Vector256.FusedMultiplyAdd(b1, xLo, Vector256.FusedMultiplyAdd(-a1, yLo, z1Lo));
                z0Hi = Vector256.FusedMultiplyAdd(b1, xHi, Vector256.FusedMultiplyAdd(-a1, yHi, z1Hi));
                z1Lo = Vector256.FusedMultiplyAdd(b2, xLo, -a2 * yLo);
                z1Hi = Vector256.FusedMultiplyAdd(b2, xHi, -a2 * yHi);
                yLo.Store(p);
                yHi.Store(p + 4);
            }
            state[0] = z0Lo;
            state[1] = z0Hi;
            state[2] = z1Lo;
            state[3] = z1Hi;
        }
    }
}
