using BenchmarkDotNet.Attributes;
using Resif.Gpu.Core;

namespace Resif.Gpu.Bench;

/// <summary>
/// Spectral kernels of the CPU backend on DAS-like blocks (channel-major float32): batched FFT rows of a
/// power-of-two and of a Bluestein length, the FK transform and FK mask, the frequency-domain beam, envelope and
/// both STA/LTA variants.
/// </summary>
[MemoryDiagnoser]
public class SpectralBenchmarks
{
    private const int Channels = 256;

    private readonly CpuBackend _backend = new();
    private float[] _signal = [], _work = [], _complex = [], _spectrum = [], _output = [], _mask = [];
    private readonly double[] _offsets = Enumerable.Range(0, Channels).Select(c => 10.0 * c).ToArray();
    private readonly double[] _slownesses = Enumerable.Range(0, 51).Select(i => (i - 25) * 8e-5).ToArray();

    [Params(4096, 6000)]
    public int Samples { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _signal = new float[Channels * Samples];
        for (int i = 0; i < _signal.Length; i++) _signal[i] = (float)(random.NextDouble() - 0.5);
        _work = new float[_signal.Length];
        _complex = new float[2 * _signal.Length];
        _spectrum = new float[2 * _signal.Length];
        _output = new float[_signal.Length];
        // A band of wavenumbers kept whole: the cost does not depend on the mask's values.
        _mask = new float[_signal.Length];
        for (int i = 0; i < _mask.Length; i++) _mask[i] = i / Samples % 4 == 0 ? 1 : 0;
    }

    [Benchmark]
    public void ComplexFftRows()
    {
        for (int i = 0; i < _signal.Length; i++) _complex[2 * i] = _signal[i];
        _backend.ComplexFft(_complex, Channels, Samples, inverse: false);
    }

    [Benchmark]
    public void Fk() => _backend.Fk(_signal, Channels, Samples, 1.0, _spectrum);

    [Benchmark]
    public void FkMask()
    {
        _signal.CopyTo(_work, 0);
        _backend.FkMask(_work, Channels, Samples, _mask);
    }

    /// <summary>Frequency-domain slowness scan: 51 slownesses, windows of Samples / 4.</summary>
    [Benchmark]
    public void FrequencyBeam() =>
        _backend.SlownessBeam(_signal, Channels, Samples, _offsets, 0.001, _slownesses, Samples / 4, frequencyDomain: true, _output);

    [Benchmark]
    public void Envelope()
    {
        _signal.CopyTo(_work, 0);
        _backend.Envelope(_work, Channels, Samples);
    }

    [Benchmark]
    public void ClassicStaLta() => _backend.StaLta(_signal, _output, Channels, Samples, 50, 500, recursive: false);

    [Benchmark]
    public void RecursiveStaLta() => _backend.StaLta(_signal, _output, Channels, Samples, 50, 500, recursive: true);
}
