using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
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

        // One histogram point per computed step, timed on every channel block (at least one), for a positive total. The
        // two filters run as one fused chain, so they are one step: two points here would mean the server lost the fusion.
        var kernel = Points(last["resif.kernel.time"]).ToDictionary(p => (string)Tag(p, "operation")!);
        Assert.Equal(["bandpass+decimate"], kernel.Keys.Order());
        Assert.All(kernel.Values, p => Assert.True(p.GetHistogramCount() >= 1 && p.GetHistogramSum() > 0));

        var reduceCalls = Points(last["resif.requests"]).Where(p => Tag(p, "method") as string == "/resif.gpu.v1.Reduction/Reduce").ToArray();
        Assert.Equal("OK", Tag(Assert.Single(reduceCalls), "status"));
        Assert.Equal(1, reduceCalls[0].GetSumLong());
        // ASP.NET Core's own request metrics come through the same provider.
        Assert.Contains("http.server.request.duration", last.Keys);
    }

    [Fact]
    public async Task A_reduce_makes_one_span_with_its_array_pipeline_and_bytes_under_the_request_span()
    {
        var spans = new List<Activity>();
        var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new TestStore().AddScene(SyntheticScenes.Demo(channels: 64, seconds: 60, samplingRate: 500), out _),
            BackendProvider = new CpuBackendProvider(),
            Telemetry = new TelemetryOptions { ConfigureTracing = tracing => tracing.AddInMemoryExporter(spans) },
        });
        ReductionResult result;
        await using (server)
        {
            using var client = new ResifClient(server.Url);
            result = await client.ReduceAsync(new ReduceRequestBuilder("demo").Lowpass(20).Decimate(2));
            // A 7.7 MB result abandoned after its header: the server's span must end as an error.
            using var cancel = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await foreach (var response in client.ReduceStreamAsync(new ReduceRequestBuilder("demo").Build(), cancel.Token))
                {
                    await cancel.CancelAsync();
                }
            });
        }
        var reduces = spans.Where(s => s.DisplayName == "resif.reduce").ToArray();
        Assert.True(reduces.Length == 2, string.Join(", ", spans.Select(s => $"{s.DisplayName} {s.Status}")));
        var ok = reduces[0];
        Assert.Equal(ActivityStatusCode.Ok, ok.Status);
        Assert.Equal("demo", ok.GetTagItem("resif.array"));
        Assert.Equal("lowpass|decimate", ok.GetTagItem("resif.operations"));
        Assert.Equal(result.Trailer.TotalBytes, ok.GetTagItem("resif.bytes_out"));
        Assert.Equal(result.Trailer.InputBytes, ok.GetTagItem("resif.bytes_in"));
        // The parent is ASP.NET Core's span of the same HTTP/2 request.
        var parent = Assert.Single(spans, s => s.SpanId == ok.ParentSpanId);
        Assert.Equal(ok.TraceId, parent.TraceId);
        Assert.Equal(ActivityStatusCode.Error, reduces[1].Status);
        Assert.True((long)reduces[1].GetTagItem("resif.bytes_out")! < 64L * 30_000 * sizeof(float), "the cancelled call sent everything");
    }

    [Fact]
    public async Task Otlp_over_http_posts_the_metrics_to_the_collector()
    {
        int port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var metricsPost = ReceiveAsync(collector, "/v1/metrics", "resif.reduce.bytes_out", timeout.Token);

        await using (var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new TestStore().AddScene(SyntheticScenes.Demo(channels: 8, seconds: 1, samplingRate: 200), out _),
            BackendProvider = new CpuBackendProvider(),
            Telemetry = new TelemetryOptions
            {
                OtlpEndpoint = new Uri($"http://127.0.0.1:{port}"),
                OtlpProtocol = OtlpProtocol.HttpProtobuf,
                ExportInterval = TimeSpan.FromMilliseconds(200),
            },
        }))
        {
            using var client = new ResifClient(server.Url);
            await client.ReduceAsync(new ReduceRequestBuilder("demo").Decimate(2));
            var (contentType, body) = await metricsPost.WaitAsync(timeout.Token);
            Assert.Equal("application/x-protobuf", contentType);
            // Protobuf keeps strings as UTF-8: the service name and the instruments' names are in the body.
            string text = Encoding.UTF8.GetString(body);
            Assert.Contains("resif-gpu", text);
            Assert.Contains("resif.kernel.time", text);
        }
    }

    /// <summary>Answers the collector's POSTs until one to <paramref name="path"/> contains <paramref name="marker"/>.</summary>
    private static Task<(string? ContentType, byte[] Body)> ReceiveAsync(HttpListener collector, string path, string marker, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            while (true)
            {
                var context = await collector.GetContextAsync().WaitAsync(cancellationToken);
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body, cancellationToken);
                context.Response.StatusCode = 200;
                context.Response.Close();
                if (context.Request.Url?.AbsolutePath == path && Encoding.UTF8.GetString(body.ToArray()).Contains(marker, StringComparison.Ordinal))
                    return (context.Request.ContentType, body.ToArray());
            }
        }, cancellationToken);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
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
