using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Resif.Gpu.Cluster.Tests;

/// <summary>Runs only when RESIF_CLUSTER_BENCH=1: a measurement, not a test of speed (nothing asserts on time).</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("RESIF_CLUSTER_BENCH") != "1") Skip = "set RESIF_CLUSTER_BENCH=1 to measure cluster throughput";
    }
}

/// <summary>
/// Throughput of 1, 2 and 3 in-process silos against a single server on the same store. All silos share this
/// machine's cores, so this simulates scaling (it shows the cost of fanning out and merging, not the gain of more nodes).
/// </summary>
public sealed class ScalingMeasurement(ITestOutputHelper output)
{
    private const int Repeats = 3;

    [MeasurementFact]
    public async Task Throughput_with_1_2_and_3_silos()
    {
        const long channels = 96, samples = 60_000; // 23 MB: the three configurations stay within a minute on 2 cores
        var request = ClusterReductionTests.Request(0, 0, 1, ClusterReductionTests.BandpassDecimate);
        request.Selection.Time = new Protocol.V1.TimeWindow { Start = 0, End = 0 };
        double inputMb = channels * samples * 4 / 1e6;
        output.WriteLine($"input {inputMb:F1} MB ({channels} channels x {samples} samples), detrend | bandpass 2-40 Hz | decimate 5, median of {Repeats}; cores: {Environment.ProcessorCount}");
        foreach (short silos in new short[] { 1, 2, 3 })
        {
            await using var cluster = await ShardedCluster.StartAsync(silos, replicas: 1, channels, samples);
            var single = await Median(async () => (await cluster.ReferenceClient.ReduceAsync(request)).Trailer.Sha256);
            var sharded = await Median(async () => (await cluster.GatewayClient.ReduceAsync(request)).Trailer.Sha256);
            Assert.Equal(single.Hash, sharded.Hash);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"silos {silos}: single server {single.Seconds:F3} s ({inputMb / single.Seconds:F0} MB/s), cluster {sharded.Seconds:F3} s ({inputMb / sharded.Seconds:F0} MB/s), cluster/single {sharded.Seconds / single.Seconds:F2}"));
        }
    }

    private static async Task<(double Seconds, string Hash)> Median(Func<Task<string>> run)
    {
        string hash = await run(); // warm-up: JIT, first activation, page cache
        var times = new List<double>();
        for (int i = 0; i < Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            Assert.Equal(hash, await run());
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return (times.Order().ElementAt(Repeats / 2), hash);
    }
}
