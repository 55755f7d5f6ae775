namespace Resif.Gpu.Core.Synthetic;

/// <summary>One component of a synthetic scene, added channel by channel.</summary>
public abstract record SyntheticSignal
{
    /// <summary>Adds the signal at distance <paramref name="position"/> (m) to samples starting at <paramref name="firstTime"/> (s).</summary>
    public abstract void AddTo(Span<float> row, double position, double firstTime, double timeStep);

    /// <summary>Ricker wavelet of peak frequency <paramref name="peak"/> (Hz) at lag <paramref name="t"/> (s).</summary>
    public static double Ricker(double t, double peak)
    {
        double a = Math.PI * peak * t;
        a *= a;
        return (1 - 2 * a) * Math.Exp(-a);
    }

    /// <summary>Samples within which a Ricker wavelet is above float precision: ±1.5 periods is plenty.</summary>
    private protected static double RickerHalfWidth(double peak) => 1.5 / peak;
}

/// <summary>
/// Ricker wavelets repeating every <see cref="Period"/> s, crossing the fibre at apparent velocity
/// <see cref="Velocity"/> m/s (negative: travelling towards channel 0). Arrival at distance x: FirstArrival + x / Velocity (mod Period).
/// </summary>
public sealed record PlaneWave(double Velocity, double PeakFrequency, double Amplitude, double FirstArrival, double Period) : SyntheticSignal
{
    public override void AddTo(Span<float> row, double position, double firstTime, double timeStep)
    {
        double delay = FirstArrival + position / Velocity;
        double halfWidth = RickerHalfWidth(PeakFrequency);
        for (int i = 0; i < row.Length; i++)
        {
            double lag = firstTime + i * timeStep - delay;
            lag -= Math.Round(lag / Period) * Period;
            if (Math.Abs(lag) < halfWidth) row[i] += (float)(Amplitude * Ricker(lag, PeakFrequency));
        }
    }
}

/// <summary>
/// A local event at depth <see cref="Depth"/> m below distance <see cref="SourcePosition"/> m: hyperbolic moveout,
/// arrival OriginTime + sqrt(Depth² + (x - SourcePosition)²) / Velocity.
/// </summary>
public sealed record PointSourceEvent(double SourcePosition, double Depth, double Velocity, double OriginTime, double PeakFrequency, double Amplitude)
    : SyntheticSignal
{
    public double ArrivalAt(double position) =>
        OriginTime + Math.Sqrt(Depth * Depth + (position - SourcePosition) * (position - SourcePosition)) / Velocity;

    public override void AddTo(Span<float> row, double position, double firstTime, double timeStep)
    {
        double arrival = ArrivalAt(position), halfWidth = RickerHalfWidth(PeakFrequency);
        // Geometric spreading, normalised to 1 straight above the source.
        double amplitude = Amplitude * Depth / Math.Max(Depth, Math.Abs(position - SourcePosition) + Depth);
        int first = Math.Max(0, (int)Math.Floor((arrival - halfWidth - firstTime) / timeStep));
        int last = Math.Min(row.Length - 1, (int)Math.Ceiling((arrival + halfWidth - firstTime) / timeStep));
        for (int i = first; i <= last; i++) row[i] += (float)(amplitude * Ricker(firstTime + i * timeStep - arrival, PeakFrequency));
    }
}

/// <summary>The same sine on every channel (e.g. a common-mode hum or a slow drift).</summary>
public sealed record CommonSine(double Frequency, double Amplitude, double Phase = 0) : SyntheticSignal
{
    public override void AddTo(Span<float> row, double position, double firstTime, double timeStep)
    {
        for (int i = 0; i < row.Length; i++) row[i] += (float)(Amplitude * Math.Sin(2 * Math.PI * Frequency * (firstTime + i * timeStep) + Phase));
    }
}
