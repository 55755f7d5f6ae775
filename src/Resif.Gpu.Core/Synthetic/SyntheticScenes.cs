namespace Resif.Gpu.Core.Synthetic;

/// <summary>Named scenes with known answers, for the demo and for tests.</summary>
public static class SyntheticScenes
{
    /// <summary>Apparent velocities (m/s) of the demo's two plane waves.</summary>
    public const double DemoForwardVelocity = 1500, DemoBackwardVelocity = -3000;

    /// <summary>
    /// The demo array: 4 m channels at 1 kHz; broadband noise, a 0.2 Hz common-mode drift (removed by a 2–20 Hz
    /// bandpass), two trains of 2–20 Hz Ricker wavelets at +1500 and −3000 m/s, and a local event 300 m deep.
    /// </summary>
    public static SyntheticScene Demo(int channels = 500, double seconds = 60, double samplingRate = 1000) =>
        new("demo", channels, seconds, samplingRate, 4.0,
        [
            new CommonSine(0.2, 0.25),
            new PlaneWave(DemoForwardVelocity, 8, 1.0, FirstArrival: 1.0, Period: 6.0),
            new PlaneWave(DemoBackwardVelocity, 5, 0.8, FirstArrival: 4.0, Period: 6.0),
            new PointSourceEvent(SourcePosition: channels * 4.0 / 2, Depth: 300, Velocity: 2000, OriginTime: seconds / 2, PeakFrequency: 12, Amplitude: 3),
        ], NoiseAmplitude: 0.2);

    /// <summary>One noise-free plane wave train: the apparent velocity is the only answer.</summary>
    public static SyntheticScene PlaneWave(double velocity, int channels = 64, double seconds = 4, double samplingRate = 500) =>
        new("plane-wave", channels, seconds, samplingRate, 4.0, [new PlaneWave(velocity, 10, 1.0, FirstArrival: 0.5, Period: 2.0)]);

    /// <summary>A pure sine on every channel: its spectrum has one line at <paramref name="frequency"/>.</summary>
    public static SyntheticScene Sine(double frequency, int channels = 8, double seconds = 2, double samplingRate = 1000) =>
        new("sine", channels, seconds, samplingRate, 1.0, [new CommonSine(frequency, 1.0)]);
}
