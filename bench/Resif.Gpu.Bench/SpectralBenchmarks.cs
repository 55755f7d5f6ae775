using BenchmarkDotNet.Attributes;
using Resif.Gpu.Core;

namespace Resif.Gpu.Bench;

/// <summary>
/// Spectral kernels of the CPU backend on DAS-like blocks (channel-major float32): batched FFT rows of a
/// power-of-two and of a mixed-radix (2^4·3·5^3) length, the FK transform and FK mask, envelope, both STA/LTA
/// variants and a 51-slowness linear-array scan in the time and frequency domains.
/// </summary>
[MemoryDiagnoser]
public class SpectralBenchmarks
{
    private const int Channels = 256;

    private readonly CpuBackend _backend = new();
    private float[] _signal = [], _work = [], _complex = [], _spectrum = [], _output = [], _beam = [], _mask = [];
    private double[] _offsets = [], _slownesses = [];

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
        _offsets = Enumerable.Range(0, Channels).Select(i => 4.0 * i).ToArray();
        _slownesses = Enumerable.Range(0, 51).Select(i => -1e-3 + i * 4e-5).ToArray();
        _beam = new float[_slownesses.Length * (Samples / 256)];
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

    [Benchmark]
    public void SlownessBeamTime() => _backend.SlownessBeam(_signal, Channels, Samples, _offsets, 0.001, _slownesses, 256, frequencyDomain: false, _beam);

    [Benchmark]
    public void SlownessBeamFrequency() => _backend.SlownessBeam(_signal, Channels, Samples, _offsets, 0.001, _slownesses, 256, frequencyDomain: true, _beam);
}
