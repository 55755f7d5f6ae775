using BenchmarkDotNet.Attributes;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Dsp;

namespace Resif.Gpu.Bench;

/// <summary>
/// Filter kernels on a channel-major float32 block (issue 10). Each benchmark counts one operation per input
/// sample, so the reported mean is nanoseconds per sample: MS/s = 1000 / mean. Data are restored before each
/// iteration because the filters work in place. Targets (2 cores): causal 4-section bandpass ≥ 1700 MS/s,
/// zero-phase ≥ 800 MS/s, decimate q = 10 ≥ 10 × SciPy (SciPy measured 83–109 MS/s).
/// </summary>
public class FilterBenchmarks
{
    private const int Channels = 256;
    private const int Samples = 60_000;
    private const int SamplesPerInvoke = Channels * Samples;
    private const int Factor = 10;
    private const int ChunkSamples = 8192; // the store's time tile

    private readonly CpuBackend _backend = new();
    private readonly float[] _source = new float[SamplesPerInvoke];
    private readonly float[] _data = new float[SamplesPerInvoke];
    private readonly float[] _decimated = new float[Channels * ((Samples + Factor - 1) / Factor)];

    // 1–100 Hz at 1 kHz: poles close to the unit circle, the case that needs float64 state.
    private readonly double[] _bandpass = FilterDesign.Butterworth(4, FilterBand.Bandpass, 1 / 500.0, 100 / 500.0);
    private readonly double[] _decimationIir = FilterDesign.DecimationIir(Factor);
    private readonly double[] _decimationFir = FilterDesign.DecimationFir(Factor);
    private readonly float[] _chunk = new float[Channels * ChunkSamples];
    private SosStage[] _bandpassThenDecimate = [];
    private ISosChainStream? _stream;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (int i = 0; i < _source.Length; i++) _source[i] = (float)(random.NextDouble() - 0.5);
        _bandpassThenDecimate = [new(_bandpass, SosMode.ZeroPhaseOddPad), new(_decimationIir, SosMode.ZeroPhaseOddPad, Factor)];
    }

    [IterationSetup]
    public void Restore() => _source.CopyTo(_data, 0);

    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void BandpassCausal() => _backend.SosFilter(_data, Channels, Samples, _bandpass, SosMode.Causal);

    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void BandpassZeroPhase() => _backend.SosFilter(_data, Channels, Samples, _bandpass, SosMode.ZeroPhase);

    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void BandpassZeroPhaseOddPad() => _backend.SosFilter(_data, Channels, Samples, _bandpass, SosMode.ZeroPhaseOddPad);

    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void DecimateIir() =>
        _backend.SosFilterDecimate(_data, Channels, Samples, _decimationIir, SosMode.ZeroPhaseOddPad, Factor, _decimated);

    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void DecimateFir() =>
        _backend.FirResample(_data, Channels, Samples, _decimationFir, 1, Factor, FilterDesign.ResamplePolyDelay(_decimationFir.Length, Factor), _decimated);

    /// <summary>Zero-phase bandpass then IIR decimation fused over whole rows (what the executor runs on a block).</summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void BandpassThenDecimateChain() => _backend.SosChain(_data, Channels, Samples, _bandpassThenDecimate, _decimated);

    /// <summary>
    /// The same chain as one stream over time chunks (what a window too long for one block runs as), restarted for each
    /// invocation as the executor restarts it for each channel block; the time includes cutting each chunk out of the
    /// rows, as the executor's reads hand them over.
    /// </summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public void BandpassThenDecimateStream()
    {
        if (_stream is null) _stream = _backend.OpenSosChainStream(Channels, _bandpassThenDecimate)!;
        else _stream.Restart();
        var stream = _stream;
        for (int start = 0; start < Samples; start += ChunkSamples)
        {
            int n = Math.Min(ChunkSamples, Samples - start);
            for (int r = 0; r < Channels; r++) _data.AsSpan(r * Samples + start, n).CopyTo(_chunk.AsSpan(r * n, n));
            stream.Take(_decimated.AsSpan(0, Channels * stream.Push(_chunk, n)));
        }
        stream.Take(_decimated.AsSpan(0, Channels * stream.Finish()));
    }
}
