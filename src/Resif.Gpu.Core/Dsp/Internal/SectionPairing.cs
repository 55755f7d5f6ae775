using System.Numerics;

namespace Resif.Gpu.Core.Dsp.Internal;

/// <summary>
/// Digital zeros/poles/gain to second-order sections with SciPy's "nearest" pairing (scipy.signal.zpk2sos):
/// poles closest to the unit circle are paired first with their nearest zeros and end up last in the cascade,
/// the gain goes into the first section. Same pairing and order as SciPy, so coefficients agree to rounding.
/// </summary>
internal static class SectionPairing
{
    private const double Tolerance = 100 * 2.220446049250313e-16; // 100 × float64 machine epsilon, as SciPy

    /// <summary>Returns sections flattened row by row as [b0, b1, b2, 1, a1, a2].</summary>
    public static double[] ToSections(Zpk zpk)
    {
        var zeros = zpk.Zeros.ToList();
        var poles = zpk.Poles.ToList();
        if (zeros.Count == 0 && poles.Count == 0) return [zpk.Gain, 0, 0, 1, 0, 0];

        while (poles.Count < zeros.Count) poles.Add(Complex.Zero);
        while (zeros.Count < poles.Count) zeros.Add(Complex.Zero);
        int sections = (poles.Count + 1) / 2;
        if (poles.Count % 2 == 1)
        {
            poles.Add(Complex.Zero);
            zeros.Add(Complex.Zero);
        }
        var z = SplitConjugates(zeros);
        var p = SplitConjugates(poles);
        var sos = new double[sections * 6];

        for (int si = sections - 1; si >= 0; si--)
        {
            var p1 = TakeAt(p, IndexOfWorst(p, _ => true));
            Span<double> row = sos.AsSpan(si * 6, 6);
            if (IsReal(p1) && p.Count(IsReal) == 0)
            {
                // Last real pole: pair it with the nearest real zero, padded with a pole and zero at the origin.
                var z1 = TakeAt(z, NearestIndex(z, p1, IsReal));
                Fill(row, [z1, Complex.Zero], [p1, Complex.Zero]);
            }
            else if (p.Count + 1 == z.Count && !IsReal(p1) && p.Count(IsReal) == 1 && z.Count(IsReal) == 1)
            {
                // One real pole and one real zero remain for later: this complex pole must take a complex zero.
                var z1 = TakeAt(z, NearestIndex(z, p1, c => !IsReal(c)));
                Fill(row, [z1, Complex.Conjugate(z1)], [p1, Complex.Conjugate(p1)]);
            }
            else
            {
                var p2 = IsReal(p1) ? TakeAt(p, IndexOfWorst(p, IsReal)) : Complex.Conjugate(p1);
                if (z.Count == 0)
                {
                    Fill(row, [], [p1, p2]);
                    continue;
                }
                var z1 = TakeAt(z, NearestIndex(z, p1, _ => true));
                if (!IsReal(z1)) Fill(row, [z1, Complex.Conjugate(z1)], [p1, p2]);
                else if (z.Count > 0) Fill(row, [z1, TakeAt(z, NearestIndex(z, p1, IsReal))], [p1, p2]);
                else Fill(row, [z1], [p1, p2]);
            }
        }
        for (int i = 0; i < 3; i++) sos[i] *= zpk.Gain;
        return sos;
    }

    private static bool IsReal(Complex c) => c.Imaginary == 0;

    private static Complex TakeAt(List<Complex> list, int index)
    {
        var value = list[index];
        list.RemoveAt(index);
        return value;
    }

    // Digital "worst" pole: closest to the unit circle; first one on ties, as numpy.argmin.
    private static int IndexOfWorst(List<Complex> poles, Func<Complex, bool> eligible)
    {
        int best = -1;
        for (int i = 0; i < poles.Count; i++)
        {
            if (eligible(poles[i]) && (best < 0 || Math.Abs(1 - poles[i].Magnitude) < Math.Abs(1 - poles[best].Magnitude))) best = i;
        }
        return best;
    }

    // Nearest eligible element by distance; ties resolved by position (a stable sort, as SciPy's small-array argsort).
    private static int NearestIndex(List<Complex> values, Complex to, Func<Complex, bool> eligible)
    {
        int best = -1;
        for (int i = 0; i < values.Count; i++)
        {
            if (eligible(values[i]) && (best < 0 || (values[i] - to).Magnitude < (values[best] - to).Magnitude)) best = i;
        }
        return best >= 0 ? best : throw new InvalidOperationException("no zero left to pair with a pole");
    }

    // Writes one section from up to two zeros and poles (monic polynomials, right-aligned as zpk2tf gives them).
    private static void Fill(Span<double> row, Complex[] zeros, Complex[] poles)
    {
        var b = Polynomial(zeros);
        var a = Polynomial(poles);
        b.CopyTo(row[(3 - b.Length)..3]);
        a.CopyTo(row[(6 - a.Length)..6]);
    }

    private static double[] Polynomial(Complex[] roots)
    {
        var coefficients = new Complex[roots.Length + 1];
        coefficients[0] = Complex.One;
        for (int r = 0; r < roots.Length; r++)
        {
            for (int i = r + 1; i >= 1; i--) coefficients[i] -= roots[r] * coefficients[i - 1];
        }
        return coefficients.Select(c => c.Real).ToArray();
    }

    /// <summary>
    /// One of each conjugate pair (positive imaginary part, averaged with its partner) followed by the real values,
    /// both sorted by real part, as scipy's _cplxreal.
    /// </summary>
    private static List<Complex> SplitConjugates(List<Complex> values)
    {
        var sorted = values.OrderBy(v => v.Real).ThenBy(v => Math.Abs(v.Imaginary)).ToList();
        var reals = sorted.Where(v => Math.Abs(v.Imaginary) <= Tolerance * v.Magnitude).Select(v => new Complex(v.Real, 0)).ToList();
        var complex = sorted.Where(v => Math.Abs(v.Imaginary) > Tolerance * v.Magnitude).ToList();
        var positive = SortRunsByImaginary(complex.Where(v => v.Imaginary > 0).ToList());
        var negative = SortRunsByImaginary(complex.Where(v => v.Imaginary < 0).ToList());
        if (positive.Count != negative.Count) throw new InvalidOperationException("a complex root has no conjugate");
        var result = new List<Complex>(positive.Count + reals.Count);
        for (int i = 0; i < positive.Count; i++)
        {
            if ((positive[i] - Complex.Conjugate(negative[i])).Magnitude > Tolerance * negative[i].Magnitude)
                throw new InvalidOperationException("a complex root has no conjugate");
            result.Add((positive[i] + Complex.Conjugate(negative[i])) / 2);
        }
        result.AddRange(reals);
        return result;
    }

    // Values whose real parts agree within tolerance are ordered by imaginary magnitude.
    private static List<Complex> SortRunsByImaginary(List<Complex> values)
    {
        int start = 0;
        while (start < values.Count)
        {
            int stop = start + 1;
            while (stop < values.Count && values[stop].Real - values[stop - 1].Real <= Tolerance * values[stop - 1].Magnitude) stop++;
            values.Sort(start, stop - start, Comparer<Complex>.Create((x, y) => Math.Abs(x.Imaginary).CompareTo(Math.Abs(y.Imaginary))));
            start = stop;
        }
        return values;
    }
}
