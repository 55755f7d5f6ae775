namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>
/// The CPU backend, recording the fused chains it is asked to run and the chain streams it opens; with
/// <c>openChainStreams</c> false it opens none, as a backend without its own does (callers then stream op by op).
/// </summary>
internal sealed class RecordingBackend(bool openChainStreams = true) : IBackend, IFilterKernels
{
    private readonly CpuBackend _cpu = new();

    /// <summary>Stage counts of the <see cref="SosChain"/> calls.</summary>
    public List<int> ChainLengths { get; } = [];

    /// <summary>Stage counts of the streams <see cref="OpenSosChainStream"/> opened.</summary>
    public List<int> StreamLengths { get; } = [];

    public string Name => _cpu.Name;

    public string Device => _cpu.Device;

    public IFilterKernels Filters => this;

    public ISpectralKernels Spectral => _cpu;

    public void SosChain(ReadOnlySpan<float> input, int rows, int columns, IReadOnlyList<SosStage> stages, Span<float> output)
    {
        lock (ChainLengths) ChainLengths.Add(stages.Count);
        _cpu.SosChain(input, rows, columns, stages, output);
    }

    public ISosChainStream? OpenSosChainStream(int rows, IReadOnlyList<SosStage> stages)
    {
        if (!openChainStreams) return null;
        lock (StreamLengths) StreamLengths.Add(stages.Count);
        return _cpu.OpenSosChainStream(rows, stages);
    }

    public void SosFilter(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode) => _cpu.SosFilter(data, rows, columns, sos, mode);

    public void SosFilterContinue(Span<float> data, int rows, int columns, ReadOnlySpan<double> sos, Span<double> state) =>
        _cpu.SosFilterContinue(data, rows, columns, sos, state);

    public void FirResample(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> taps, int up, int down, int delay, Span<float> output) =>
        _cpu.FirResample(input, rows, columns, taps, up, down, delay, output);

    public void SosFilterDecimate(ReadOnlySpan<float> input, int rows, int columns, ReadOnlySpan<double> sos, SosMode mode, int factor, Span<float> output) =>
        _cpu.SosFilterDecimate(input, rows, columns, sos, mode, factor, output);

    public void Detrend(Span<float> data, int rows, int columns, DetrendType type) => _cpu.Detrend(data, rows, columns, type);

    public void MultiplyColumns(Span<float> data, int rows, int columns, ReadOnlySpan<double> weights) => _cpu.MultiplyColumns(data, rows, columns, weights);

    public void Dispose() => _cpu.Dispose();
}
