using BenchmarkDotNet.Attributes;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Bench;

/// <summary>
/// ArrayStore throughput on a DAS-shaped array: 256 channels x 65,536 samples of float32 (64 MiB) appended in 8 blocks,
/// then reads of a whole time window, a strided channel subset and a short window, before and after consolidation.
/// </summary>
[MemoryDiagnoser]
public class StorageBenchmarks
{
    private const int Channels = 256, Samples = 65536, Blocks = 8;
    private string _root = "";
    private ArrayStore _store = null!;
    private float[] _block = [];
    private float[] _full = [];
    private float[] _strided = [];
    private float[] _short = [];

    [Params(false, true)]
    public bool Consolidated { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), $"resif-bench-{Guid.NewGuid():N}");
        _store = new ArrayStore(_root);
        var rng = new Random(1);
        _block = Enumerable.Range(0, Channels * Samples / Blocks).Select(i => (float)Math.Sin(i * 1e-3) + (float)rng.NextDouble() * 0.1f).ToArray();
        _store.Create("read", Channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
        for (int b = 0; b < Blocks; b++) _store.AppendTimeBlock("read", _block, Channels, Samples / Blocks);
        if (Consolidated) _store.Consolidate("read");
        _full = new float[Channels * 8192L];
        _strided = new float[Channels / 4 * (long)Samples];
        _short = new float[Channels * 1000L];
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Description = "append 256 x 8192 float32 (8 MiB) as one fragment")]
    public void Append()
    {
        string name = $"w{Guid.NewGuid():N}";
        _store.Create(name, Channels, 0, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1));
        _store.AppendTimeBlock(name, _block, Channels, Samples / Blocks);
    }

    [Benchmark(Description = "read all channels x 8192 samples (8 MiB)")]
    public void ReadWindow()
    {
        using var source = _store.Open("read");
        source.Read(0, Channels, 1, 20000, 8192, _full);
    }

    [Benchmark(Description = "read every 4th channel x all samples (16 MiB)")]
    public void ReadStridedChannels()
    {
        using var source = _store.Open("read");
        source.Read(0, Channels / 4, 4, 0, Samples, _strided);
    }

    [Benchmark(Description = "read all channels x 1000 samples (1 MiB)")]
    public void ReadShortWindow()
    {
        using var source = _store.Open("read");
        source.Read(0, Channels, 1, 30000, 1000, _short);
    }
}
