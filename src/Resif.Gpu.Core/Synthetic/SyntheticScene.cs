namespace Resif.Gpu.Core.Synthetic;

/// <summary>
/// A synthetic DAS record [channel, time] built from signals whose answers are known (apparent velocities,
/// frequencies, arrival times) plus reproducible noise. Any block can be generated on its own and always
/// gives the same values, so large arrays can be written in time blocks with bounded memory.
/// </summary>
public sealed record SyntheticScene(string Name, int Channels, double Seconds, double SamplingRate, double ChannelSpacing,
    IReadOnlyList<SyntheticSignal> Signals, double NoiseAmplitude = 0, ulong Seed = 1)
{
    public string Units { get; init; } = "strain_rate";

    public DateTimeOffset Origin { get; init; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public long Samples => (long)Math.Round(Seconds * SamplingRate);

    public double TimeStep => 1.0 / SamplingRate;

    public TensorLayout Layout => new(["channel", "time"], [Channels, Samples],
        [
            new Coordinate("channel", "m", Channels, 0, ChannelSpacing),
            new Coordinate("time", "s", Samples, 0, TimeStep) { Origin = Origin },
        ], Units);

    /// <summary>Writes channels [channelStart, +channelCount) × samples [sampleStart, +sampleCount), C order.</summary>
    public void Fill(int channelStart, int channelCount, long sampleStart, int sampleCount, Span<float> destination)
    {
        if (channelStart < 0 || channelCount < 0 || channelStart + channelCount > Channels)
            throw new ArgumentOutOfRangeException(nameof(channelStart), "channels outside the scene");
        if (sampleStart < 0 || sampleCount < 0 || sampleStart + sampleCount > Samples)
            throw new ArgumentOutOfRangeException(nameof(sampleStart), "samples outside the scene");
        if (destination.Length < (long)channelCount * sampleCount) throw new ArgumentException("destination too small", nameof(destination));

        var rows = new float[channelCount * sampleCount];
        Parallel.For(0, channelCount, c =>
        {
            var row = rows.AsSpan(c * sampleCount, sampleCount);
            int channel = channelStart + c;
            AddNoise(row, channel, sampleStart);
            double position = channel * ChannelSpacing, firstTime = sampleStart * TimeStep;
            foreach (var signal in Signals) signal.AddTo(row, position, firstTime, TimeStep);
        });
        rows.CopyTo(destination);
    }

    /// <summary>The whole scene in memory (small scenes, tests).</summary>
    public float[] Generate()
    {
        var data = new float[checked(Channels * (int)Samples)];
        Fill(0, Channels, 0, (int)Samples, data);
        return data;
    }

    // Gaussian noise from a counter-based hash of (seed, channel, sample): independent of how the array is cut into blocks.
    private void AddNoise(Span<float> row, int channel, long sampleStart)
    {
        if (NoiseAmplitude == 0) return;
        for (int i = 0; i < row.Length; i++)
        {
            ulong h = Mix(Seed ^ Mix(((ulong)channel << 40) ^ (ulong)(sampleStart + i)));
            double u1 = ((h >> 11) + 1.0) / (1UL << 53), u2 = (Mix(h) >> 11) * (1.0 / (1UL << 53));
            row[i] += (float)(NoiseAmplitude * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }

    // SplitMix64 finaliser.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
