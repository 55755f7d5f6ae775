using OpenTelemetry.Metrics;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Telemetry;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// Every server's meter has the same name, so an OpenTelemetry provider hears all servers of the process: these tests
/// run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>The server's metrics as an OpenTelemetry exporter receives them (the in-memory exporter on the server's provider).</summary>
[Collection(nameof(TelemetryCollection))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_reduce_exports_requests_bytes_reduction_ratio_and_kernel_time_per_operation()
    {
        var exported = new List<MetricSnapshot>();
        var scene = SyntheticScenes.Demo(channels: 24, seconds: 4, samplingRate: 500);
        var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new TestStore().AddScene(scene, out _),
            BackendProvider = new CpuBackendProvider(),
            Telemetry = new TelemetryOptions { ConfigureMetrics = metrics => metrics.AddInMemoryExporter(exported) },
        });
        ReductionResult result;
        await using (server)
        {
            using var client = new ResifClient(server.Url);
            result = await client.ReduceAsync(new ReduceRequestBuilder("demo").Bandpass(2, 20).Decimate(5));
        }
        // Disposing the server shuts its meter provider down, which exports the final (cumulative) values once more.
        var last = exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());

        long resultBytes = result.Shape.Aggregate(1L, (a, b) => a * b) * sizeof(float);
        Assert.Equal(resultBytes, result.Trailer.TotalBytes);
        Assert.Equal(resultBytes, SumLong(last["resif.reduce.bytes_out"]));
        Assert.Equal(result.Trailer.InputBytes, SumLong(last["resif.reduce.bytes_in"]));
        Assert.True(result.Trailer.InputBytes >= (long)scene.Channels * scene.Samples * sizeof(float), $"{result.Trailer.InputBytes} bytes read");

        var ratio = Assert.Single(Points(last["resif.reduce.ratio"]));
        Assert.Equal(1, ratio.GetHistogramCount());
        Assert.Equal((double)result.Trailer.InputBytes / resultBytes, ratio.GetHistogramSum(), 12);

        // One histogram point per operation, each timed on every channel block (at least one), for a positive total.
        var kernel = Points(last["resif.kernel.time"]).ToDictionary(p => (string)Tag(p, "operation")!);
        Assert.Equal(["bandpass", "decimate"], kernel.Keys.Order());
        Assert.All(kernel.Values, p => Assert.True(p.GetHistogramCount() >= 1 && p.GetHistogramSum() > 0));

        var reduceCalls = Points(last["resif.requests"]).Where(p => Tag(p, "method") as string == "/resif.gpu.v1.Reduction/Reduce").ToArray();
        Assert.Equal("OK", Tag(Assert.Single(reduceCalls), "status"));
        Assert.Equal(1, reduceCalls[0].GetSumLong());
        // ASP.NET Core's own request metrics come through the same provider.
        Assert.Contains("http.server.request.duration", last.Keys);
    }

    private static List<MetricPoint> Points(MetricSnapshot metric) => [.. metric.MetricPoints];

    private static long SumLong(MetricSnapshot metric) => Points(metric).Sum(p => p.GetSumLong());

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key) return tag.Value;
        }
        return null;
    }
}
