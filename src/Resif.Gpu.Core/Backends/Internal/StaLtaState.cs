namespace Resif.Gpu.Core.Internal;

/// <summary>
/// ObsPy's STA/LTA characteristic functions for one row as a state machine: <see cref="Process"/> over consecutive
/// pieces of a row gives the values of one call over the whole row, bit for bit (same sums in the same order).
/// </summary>
internal abstract class StaLtaState
{
    public abstract void Process(ReadOnlySpan<float> x, Span<float> cf);

    public static StaLtaState Create(int nsta, int nlta, bool recursive, long rowLength) =>
        recursive ? new RecursiveStaLtaState(nsta, nlta, rowLength) : new ClassicStaLtaState(nsta, nlta);
}

/// <summary>
/// ObsPy <c>classic_sta_lta</c>: trailing means of x² over nsta and nlta samples (partial sums divided by the
/// full length before a window fills), STA zeroed for the first nlta−1 samples, LTA floored at the smallest
/// normal double. Running sums replace ObsPy's cumsum (same values, less cancellation on long records); the last
/// nlta samples are kept to take them out of the sums.
/// </summary>
internal sealed class ClassicStaLtaState(int nsta, int nlta) : StaLtaState
{
    private const double SmallestNormal = 2.2250738585072014E-308;
    private readonly float[] _recent = new float[nlta]; // x[n] at n mod nlta
    private readonly double _staScale = 1.0 / nsta, _ltaScale = 1.0 / nlta; // one division per sample, not three
    private double _staSum, _ltaSum;
    private long _n;

    public override void Process(ReadOnlySpan<float> x, Span<float> cf)
    {
        for (int i = 0; i < x.Length; i++, _n++)
        {
            double energy = (double)x[i] * x[i];
            _staSum += energy;
            _ltaSum += energy;
            if (_n >= nsta)
            {
                float old = i >= nsta ? x[i - nsta] : _recent[(_n - nsta) % nlta];
                _staSum -= (double)old * old;
            }
            if (_n >= nlta)
            {
                float old = i >= nlta ? x[i - nlta] : _recent[_n % nlta];
                _ltaSum -= (double)old * old;
            }
            if (i + nlta >= x.Length) _recent[_n % nlta] = x[i];
            if (_n < nlta - 1)
            {
                cf[i] = 0;
                continue;
            }
            // Running sums may end a hair below 0 after a loud event; the floor also keeps 0/0 out.
            double lta = _ltaSum * _ltaScale;
            // A NaN stays in ObsPy's sums for the rest of the trace; floors and the 0 guard must not turn it into "no trigger".
            if (double.IsNaN(lta) || double.IsNaN(_staSum))
            {
                cf[i] = float.NaN;
                continue;
            }
            if (!(lta >= SmallestNormal)) lta = SmallestNormal;
            cf[i] = _staSum > 0 ? (float)(_staSum * _staScale / lta) : 0;
        }
    }
}

/// <summary>
/// ObsPy <c>recursive_sta_lta</c>: exponential averages of x² from index 1 on, both starting at 0; the first
/// nlta values are set to 0 when nlta is shorter than the record. Where the LTA is 0 (all-zero input so far) the
/// output is 0 rather than NaN.
/// </summary>
internal sealed class RecursiveStaLtaState(int nsta, int nlta, long rowLength) : StaLtaState
{
    private readonly double _csta = 1.0 / nsta, _clta = 1.0 / nlta;
    private double _sta, _lta;
    private long _n;

    public override void Process(ReadOnlySpan<float> x, Span<float> cf)
    {
        for (int i = 0; i < x.Length; i++, _n++)
        {
            if (_n == 0)
            {
                cf[i] = 0;
                continue;
            }
            double energy = (double)x[i] * x[i];
            _sta = _csta * energy + (1 - _csta) * _sta;
            _lta = _clta * energy + (1 - _clta) * _lta;
            cf[i] = (_n < nlta && nlta < rowLength) || _lta == 0 ? 0 : (float)(_sta / _lta);
        }
    }
}
