using System.Numerics;

namespace Resif.Gpu.Core.Dsp.Internal;

/// <summary>A filter as zeros, poles and gain (analog or digital), the form SciPy designs in before converting to sections.</summary>
internal sealed record Zpk(Complex[] Zeros, Complex[] Poles, double Gain)
{
    /// <summary>Number of poles in excess of zeros: the zeros that move to infinity (analog) or to z = -1 (digital).</summary>
    public int Degree => Poles.Length - Zeros.Length;

    public static Complex Product(IEnumerable<Complex> values) => values.Aggregate(Complex.One, (a, b) => a * b);

    /// <summary>Analog Butterworth prototype (cutoff 1 rad/s), as scipy.signal.buttap.</summary>
    public static Zpk ButterworthPrototype(int order)
    {
        var poles = new Complex[order];
        for (int i = 0; i < order; i++)
        {
            int m = -order + 1 + 2 * i;
            poles[i] = -Complex.Exp(Complex.ImaginaryOne * (Math.PI * m / (2.0 * order)));
        }
        return new Zpk([], poles, 1.0);
    }

    /// <summary>Analog Chebyshev type I prototype with <paramref name="rippleDb"/> passband ripple, as scipy.signal.cheb1ap.</summary>
    public static Zpk Chebyshev1Prototype(int order, double rippleDb)
    {
        double eps = Math.Sqrt(Math.Pow(10, 0.1 * rippleDb) - 1);
        double mu = Math.Asinh(1 / eps) / order;
        var poles = new Complex[order];
        for (int i = 0; i < order; i++)
        {
            double theta = Math.PI * (-order + 1 + 2 * i) / (2.0 * order);
            poles[i] = -Complex.Sinh(new Complex(mu, theta));
        }
        double gain = Product(poles.Select(p => -p)).Real;
        if (order % 2 == 0) gain /= Math.Sqrt(1 + eps * eps);
        return new Zpk([], poles, gain);
    }

    /// <summary>Analog Chebyshev type II prototype with <paramref name="stopDb"/> stopband attenuation, as scipy.signal.cheb2ap.</summary>
    public static Zpk Chebyshev2Prototype(int order, double stopDb)
    {
        double de = 1 / Math.Sqrt(Math.Pow(10, 0.1 * stopDb) - 1);
        double mu = Math.Asinh(1 / de) / order;
        // Zeros at the odd harmonics, skipping the one at infinity for odd orders.
        var m = Enumerable.Range(0, order).Select(i => -order + 1 + 2 * i).Where(v => order % 2 == 0 || v != 0);
        var zeros = m.Select(v => -Complex.Conjugate(Complex.ImaginaryOne / Math.Sin(v * Math.PI / (2.0 * order)))).ToArray();
        var poles = new Complex[order];
        for (int i = 0; i < order; i++)
        {
            var p = -Complex.Exp(Complex.ImaginaryOne * (Math.PI * (-order + 1 + 2 * i) / (2.0 * order)));
            poles[i] = 1 / new Complex(Math.Sinh(mu) * p.Real, Math.Cosh(mu) * p.Imaginary);
        }
        double gain = (Product(poles.Select(p => -p)) / Product(zeros.Select(z => -z))).Real;
        return new Zpk(zeros, poles, gain);
    }

    public Zpk LowpassToLowpass(double wo) =>
        new(Zeros.Select(z => z * wo).ToArray(), Poles.Select(p => p * wo).ToArray(), Gain * Math.Pow(wo, Degree));

    public Zpk LowpassToHighpass(double wo) =>
        new([.. Zeros.Select(z => wo / z), .. Enumerable.Repeat(Complex.Zero, Degree)],
            Poles.Select(p => wo / p).ToArray(),
            Gain * (Product(Zeros.Select(z => -z)) / Product(Poles.Select(p => -p))).Real);

    public Zpk LowpassToBandpass(double wo, double bw)
    {
        static Complex[] Split(IEnumerable<Complex> roots, double wo, double bw)
        {
            var scaled = roots.Select(r => r * (bw / 2)).ToArray();
            return [.. scaled.Select(r => r + Complex.Sqrt(r * r - wo * wo)), .. scaled.Select(r => r - Complex.Sqrt(r * r - wo * wo))];
        }
        return new([.. Split(Zeros, wo, bw), .. Enumerable.Repeat(Complex.Zero, Degree)], Split(Poles, wo, bw), Gain * Math.Pow(bw, Degree));
    }

    public Zpk LowpassToBandstop(double wo, double bw)
    {
        static Complex[] Split(IEnumerable<Complex> roots, double wo, double bw)
        {
            var inverted = roots.Select(r => (bw / 2) / r).ToArray();
            return [.. inverted.Select(r => r + Complex.Sqrt(r * r - wo * wo)), .. inverted.Select(r => r - Complex.Sqrt(r * r - wo * wo))];
        }
        return new(
            [.. Split(Zeros, wo, bw), .. Enumerable.Repeat(new Complex(0, wo), Degree), .. Enumerable.Repeat(new Complex(0, -wo), Degree)],
            Split(Poles, wo, bw),
            Gain * (Product(Zeros.Select(z => -z)) / Product(Poles.Select(p => -p))).Real);
    }

    /// <summary>Bilinear transform to a digital filter, as scipy.signal.bilinear_zpk.</summary>
    public Zpk Bilinear(double fs)
    {
        double fs2 = 2 * fs;
        return new(
            [.. Zeros.Select(z => (fs2 + z) / (fs2 - z)), .. Enumerable.Repeat(new Complex(-1, 0), Degree)],
            Poles.Select(p => (fs2 + p) / (fs2 - p)).ToArray(),
            Gain * (Product(Zeros.Select(z => fs2 - z)) / Product(Poles.Select(p => fs2 - p))).Real);
    }
}
