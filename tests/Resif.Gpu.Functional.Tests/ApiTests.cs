using System.Runtime.InteropServices;
using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Testing;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// Production protocol features through a real server and the C# client: output types, compression, the budget and
/// Estimate, selections by value, progress, cancellation observed in the server's metrics, rich errors, retries.
/// </summary>
public sealed class ApiTests : IAsyncLifetime
{
    private const long Budget = 1L << 30;
    private ResifServer _server = null!;
    private ResifClient _client = null!;
    private ApiMetrics _metrics = null!;
    private readonly TestStore _store = new();
    private float[] _demo = [];

    public async Task InitializeAsync()
    {
        _store.AddScene(SyntheticScenes.Demo(channels: 40, seconds: 4, samplingRate: 500), out _demo);
        _server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = _store,
            BackendProvider = new CpuBackendProvider(),
            Operations = new OperationRegistry([.. OperationRegistry.Default.Descriptors, new ScaleDescriptor()]),
            MaxOutputBytes = Budget,
        });
        _metrics = new ApiMetrics(_server.Metrics.Meter);
        _client = new ResifClient(_server.Url) { Deadline = TimeSpan.FromMinutes(1) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _metrics.Dispose();
        await _server.DisposeAsync();
    }

    private static ReduceRequestBuilder Demo() => new("demo");

    [Fact]
    public async Task Float16_output_is_numpys_rounding_of_the_float32_result()
    {
        var reference = await _client.ReduceAsync(Demo().Channels(0, 10));
        var half = await _client.ReduceAsync(Demo().Channels(0, 10).OutputType(V1.DataType.Float16));
        Assert.Equal(V1.DataType.Float16, half.Header.Dtype);
        Assert.Equal(reference.Data.Length * 2L, half.Header.TotalBytes);
        // NumPy's astype(float16) rounds to nearest even, as IEEE 754 says: the values must agree exactly.
        var expected = Python.Apply(reference.Data, reference.Shape, "y = x.astype(np.float32).astype(np.float16).astype(np.float32)");
        Assert.Equal(expected, half.Data);
    }

    [Fact]
    public async Task Int16_output_with_a_scale_from_the_data_is_within_half_a_step()
    {
        var reference = await _client.ReduceAsync(Demo().Channels(5, 25));
        var scaled = await _client.ReduceAsync(Demo().Channels(5, 25).OutputType(V1.DataType.Int16));
        Assert.Equal(V1.DataType.Int16, scaled.Header.Dtype);
        double largest = reference.Data.Max(v => Math.Abs((double)v));
        Assert.Equal(largest / 32767, scaled.Header.ScaleFactor, 12);
        // Rounding to the nearest step leaves at most half a step, plus float32 rounding of the decoded value.
        double tolerance = scaled.Header.ScaleFactor / 2 + largest * 1e-7;
        for (int i = 0; i < reference.Data.Length; i++) Assert.True(Math.Abs(scaled.Data[i] - reference.Data[i]) <= tolerance, $"element {i}");
        Assert.Contains(scaled.Data, v => Math.Abs(v) == (float)(32767 * scaled.Header.ScaleFactor));
    }

    [Fact]
    public async Task Int16_output_with_a_given_scale_saturates()
    {
        var reference = await _client.ReduceAsync(Demo().Channels(0, 4));
        double scale = reference.Data.Max(v => Math.Abs((double)v)) / 32767 / 4; // a quarter of what the data needs
        var scaled = await _client.ReduceAsync(Demo().Channels(0, 4).OutputType(V1.DataType.Int16, scale));
        Assert.Equal(scale, scaled.Header.ScaleFactor);
        for (int i = 0; i < reference.Data.Length; i++)
        {
            double expected = Math.Clamp(Math.Round(reference.Data[i] / scale), -32767, 32767) * scale;
            Assert.Equal(expected, scaled.Data[i], Math.Abs(expected) * 1e-6);
        }
    }

    [Fact]
    public async Task Zstd_chunks_are_smaller_and_decode_to_the_same_bytes()
    {
        // A zero factor makes the result compressible (zeros and negative zeros, so not to nothing); sha256 in the
        // trailer is of the uncompressed tensor.
        var plain = await _client.ReduceAsync(Demo().Apply("scale", ("factor", 0.0)));
        var request = Demo().Apply("scale", ("factor", 0.0)).Compression(V1.Compression.Zstd).Build();
        var compressed = await _client.ReduceAsync(request);
        Assert.Equal(plain.Data, compressed.Data);
        Assert.Equal(plain.Trailer.Sha256, compressed.Trailer.Sha256);

        long onWire = 0, tensor = 0;
        await foreach (var response in _client.ReduceStreamAsync(request))
        {
            if (response.Chunk is not { } chunk) continue;
            onWire += chunk.Data.Length;
            tensor += chunk.UncompressedSize;
        }
        Assert.Equal(plain.Header.TotalBytes, tensor);
        Assert.True(onWire * 4 < tensor, $"{onWire} compressed bytes for {tensor}");
        Assert.Equal(V1.Compression.Zstd, compressed.Header.Compression);
    }

    [Fact]
    public async Task Zstd_streams_send_the_chunks_zstd_cannot_shrink_as_they_are()
    {
        // The demo scene's float32 (waves in noise) shrinks by far less than a tenth: it goes as it is, and decodes alike.
        var plain = await _client.ReduceAsync(Demo());
        var request = Demo().Compression(V1.Compression.Zstd).Build();
        var zstd = await _client.ReduceAsync(request);
        Assert.Equal(plain.Data, zstd.Data);
        Assert.Equal(plain.Trailer.Sha256, zstd.Trailer.Sha256);
        Assert.Equal(V1.Compression.Zstd, zstd.Header.Compression);

        var chunks = new List<V1.DataChunk>();
        await foreach (var response in _client.ReduceStreamAsync(request))
        {
            if (response.Chunk is { } chunk) chunks.Add(chunk);
        }
        Assert.All(chunks, chunk => Assert.Equal(0, chunk.UncompressedSize));
        Assert.Equal(plain.Header.TotalBytes, chunks.Sum(chunk => (long)chunk.Data.Length));
    }

    [Fact]
    public async Task Complex64_is_for_complex_results_and_other_types_for_real_ones()
    {
        var fk = await _client.ReduceAsync(Demo().Apply("fk", ("output", "complex")).OutputType(V1.DataType.Complex64));
        Assert.Equal(V1.DataType.Complex64, fk.Header.Dtype);
        Assert.Equal(fk.Header.Shape.Aggregate(1L, (a, b) => a * b) * 8, fk.Header.TotalBytes);

        var onReal = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(Demo().OutputType(V1.DataType.Complex64)));
        Assert.Equal(StatusCode.InvalidArgument, onReal.StatusCode);
        Assert.Equal("output_dtype", Assert.Single(ResifClient.FieldViolations(onReal)).Field);
        var onComplex = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(Demo().Apply("fk", ("output", "complex")).OutputType(V1.DataType.Float16)));
        Assert.StartsWith("output_dtype: ", onComplex.Status.Detail);
    }

    [Fact]
    public async Task Over_budget_is_refused_before_any_read_and_the_budget_counts_wire_bytes()
    {
        long float32Bytes = 40L * 2000 * 4;
        var request = Demo().MaxOutputBytes(float32Bytes - 1);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(request));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(0, _store.Reads);
        Assert.Equal(0, _store.OpenSources);

        var estimate = await _client.EstimateAsync(request.Build());
        Assert.False(estimate.WithinBudget);
        Assert.Equal(float32Bytes, estimate.Header.TotalBytes);
        Assert.Equal(float32Bytes - 1, estimate.BudgetBytes);
        Assert.Equal(0, _store.Reads);

        // The same selection in float16 is half the bytes, so it fits.
        var half = await _client.ReduceAsync(request.OutputType(V1.DataType.Float16));
        Assert.Equal(float32Bytes / 2, half.Header.TotalBytes);
    }

    [Fact]
    public async Task Estimate_announces_what_reduce_then_sends()
    {
        var request = Demo().Channels(2, 30, 3).Time(0.5, 3).Apply("scale", ("factor", 2.0), ("every", 4L)).OutputType(V1.DataType.Float16).Build();
        var estimate = await _client.EstimateAsync(request);
        Assert.True(estimate.WithinBudget);
        Assert.Equal(Budget, estimate.BudgetBytes);
        Assert.Equal(0, _store.Reads);
        var result = await _client.ReduceAsync(request);
        Assert.Equal(result.Header.Shape, estimate.Header.Shape);
        Assert.Equal(result.Header.TotalBytes, estimate.Header.TotalBytes);
        Assert.Equal(result.Header.Dtype, estimate.Header.Dtype);
        Assert.Equal(result.Header.Coords, estimate.Header.Coords);
        Assert.Equal(result.Trailer.InputBytes, estimate.Header.InputBytes);
    }

    [Fact]
    public async Task Distance_selection_takes_the_channels_between_the_bounds_inclusive()
    {
        // 4 m spacing from 0 m: [10, 28] m holds channels 3..7 (12, 16, 20, 24, 28 m); every second one: 3, 5, 7.
        var result = await _client.ReduceAsync(Demo().Distance(10, 28, step: 2).Time(0, 0.1));
        long[] channels = [3, 5, 7];
        Assert.Equal([3L, 50L], result.Shape);
        Assert.Equal(channels.SelectMany(c => _demo.Skip((int)(c * 2000)).Take(50)).ToArray(), result.Data);
        Assert.Equal(12.0, result.Header.Coords[0].Start);
        Assert.Equal(8.0, result.Header.Coords[0].Step);

        var open = await _client.EstimateAsync(Demo().Distance(140, null).Build());
        Assert.Equal([5L, 2000L], open.Header.Shape); // 140 .. 156 m

        var none = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(Demo().Distance(500, 600)));
        Assert.Equal("selection.distance", Assert.Single(ResifClient.FieldViolations(none)).Field);
    }

    [Fact]
    public async Task Instant_selection_equals_the_same_window_in_seconds()
    {
        var origin = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var bySeconds = await _client.ReduceAsync(Demo().Channels(0, 3).Time(0.5, 1.5));
        var byInstant = await _client.ReduceAsync(Demo().Channels(0, 3).Time(origin.AddSeconds(0.5), origin.AddSeconds(1.5)));
        Assert.Equal(bySeconds.Data, byInstant.Data);
        Assert.Equal(bySeconds.Header.ResolvedSelection, byInstant.Header.ResolvedSelection);

        // Another zone, and seconds given as text, name the same samples.
        var request = Demo().Channels(0, 3).Build();
        request.Selection.Instants = new V1.InstantWindow { Start = "2024-01-01T01:00:00.5+01:00", End = "1.5" };
        Assert.Equal(bySeconds.Data, (await _client.ReduceAsync(request)).Data);

        request.Selection.Instants = new V1.InstantWindow { Start = "yesterday" };
        var bad = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(request));
        Assert.Equal("selection.instants.start", Assert.Single(ResifClient.FieldViolations(bad)).Field);

        request.Selection.Time = new V1.TimeWindow { Start = 1 };
        request.Selection.Instants = new V1.InstantWindow { Start = "0.5" };
        var both = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(request));
        Assert.StartsWith("selection.instants: ", both.Status.Detail);
    }

    [Fact]
    public async Task Progress_reports_fraction_bytes_total_and_eta()
    {
        // 64 channels of 250 000 samples: 32 channels per 32 MB block, so two blocks.
        _store.AddGenerated("two-blocks", 64, 250_000, 0.001);
        var reports = new List<V1.Progress>();
        var result = await _client.ReduceAsync(new ReduceRequestBuilder("two-blocks").Apply("scale", ("factor", 1.0), ("every", 10L)),
            new SynchronousProgress(reports.Add));
        Assert.Equal([0.5, 1.0], reports.Select(p => p.Fraction));
        Assert.Equal([result.Header.TotalBytes / 2, result.Header.TotalBytes], reports.Select(p => p.BytesSent));
        Assert.All(reports, p => Assert.Equal(result.Header.TotalBytes, p.TotalBytes));
        Assert.True(reports[0].EtaSeconds > 0);
        Assert.Equal(0, reports[1].EtaSeconds);
    }

    [Fact]
    public async Task Cancelling_from_the_client_stops_the_server_within_a_block()
    {
        // 64 channels of 1 M samples: 8 channels per block, 8 blocks; reads wait at a gate, one permit at a time.
        _store.AddGenerated("long", 64, 1_000_000, 0.001);
        _store.Gate = new SemaphoreSlim(1);
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var response in _client.ReduceStreamAsync(new ReduceRequestBuilder("long").Build(), cancel.Token))
            {
                if (response.PayloadCase == V1.ReduceResponse.PayloadOneofCase.Chunk) cancel.Cancel();
            }
        });
        await AssertServerStoppedAsync();
    }

    [Fact]
    public async Task Cancelling_from_python_stops_the_server_within_a_block()
    {
        _store.AddGenerated("long", 64, 1_000_000, 0.001);
        _store.Gate = new SemaphoreSlim(1);
        string script = $$"""
            import sys
            sys.path.insert(0, {{PythonString(Path.Combine(TestPaths.RepoRoot, "clients", "python"))}})
            import resif_gpu
            with resif_gpu.Client({{PythonString(_server.Url)}}, timeout=60) as client:
                with client.reduce_iter("long") as stream:
                    offset, chunk = next(stream)
            print("cancelled after", chunk.size, "values")
            """;
        string output = await Task.Run(() => Python.Run(script, TestPaths.NewTempDirectory("resif-py-cancel")));
        Assert.Contains("cancelled after", output);
        await AssertServerStoppedAsync();
    }

    private static string PythonString(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private async Task AssertServerStoppedAsync()
    {
        // Let every read through: a server that kept going would compute all 8 blocks of the array. The call must end
        // as CANCELLED in the request counter with the blocks counter short of 8 (a few may have been in flight).
        _store.Gate!.Release(100);
        for (int i = 0; i < 300 && _metrics.Sum("resif.requests", "status", "Cancelled") == 0; i++) await Task.Delay(100);
        Assert.Equal(1, _metrics.Sum("resif.requests", "status", "Cancelled"));
        for (int i = 0; i < 300 && Volatile.Read(ref _store.OpenSources) > 0; i++) await Task.Delay(100);
        Assert.Equal(0, _store.OpenSources);
        Assert.InRange(_metrics.Sum("resif.reduce.blocks"), 0, 2);
        Assert.InRange(_store.Reads, 1, 3);
    }

    [Fact]
    public async Task Invalid_requests_carry_a_bad_request_field_violation_and_the_plain_message()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ReduceAsync(Demo().Apply("scale", ("factor", "big"))));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(ResifClient.FieldViolations(error));
        Assert.Equal("operations[0].factor", violation.Field);
        Assert.Equal($"{violation.Field}: {violation.Description}", error.Status.Detail);
        Assert.Equal(1, _metrics.Sum("resif.requests", "status", "InvalidArgument"));
    }

    [Fact]
    public async Task Metrics_count_requests_bytes_ratio_and_kernel_time_per_operation()
    {
        var result = await _client.ReduceAsync(Demo().Apply("scale", ("factor", 3.0), ("every", 4L)));
        Assert.Equal(1, _metrics.Sum("resif.requests", "status", "OK"));
        Assert.Equal(result.Header.TotalBytes, _metrics.Sum("resif.reduce.bytes_out"));
        Assert.Equal(result.Trailer.InputBytes, _metrics.Sum("resif.reduce.bytes_in"));
        Assert.Equal(4.0, _metrics.Sum("resif.reduce.ratio"), 6);
        Assert.Contains(_metrics.Measurements, m => m.Instrument == "resif.kernel.time" && Equals(m.Tags["operation"], "scale") && m.Value >= 0);
    }

    [Fact]
    public async Task The_request_id_is_echoed_in_the_response_headers()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(_server.Url);
        var catalog = new V1.Catalog.CatalogClient(channel);
        using var call = catalog.ListArraysAsync(new V1.ListArraysRequest(), new Metadata { { "x-request-id", "abc-123" } });
        Assert.Equal("abc-123", (await call.ResponseHeadersAsync).GetValue("x-request-id"));
        using var anonymous = catalog.ListArraysAsync(new V1.ListArraysRequest());
        Assert.Equal(32, (await anonymous.ResponseHeadersAsync).GetValue("x-request-id")?.Length);
    }

    [Fact]
    public async Task The_builder_sends_typed_parameters_equal_to_text_ones()
    {
        var typed = await _client.ReduceAsync(Demo().Channels(0, 8).Bandpass(2, 20).Decimate(5));
        var text = new V1.ReduceRequest { Array = "demo", Selection = new V1.Selection { Channels = new V1.IndexRange { Start = 0, Stop = 8 } } };
        text.Operations.Add(new V1.Operation { Name = "bandpass", Params = { ["freqmin"] = new() { Text = "2" }, ["freqmax"] = new() { Text = "20" } } });
        text.Operations.Add(new V1.Operation { Name = "decimate", Params = { ["factor"] = new() { Text = "5" } } });
        var reference = await _client.ReduceAsync(text);
        Assert.Equal(reference.Trailer.Sha256, typed.Trailer.Sha256);
        Assert.Equal([8L, 400L], typed.Shape);
    }

    [Fact]
    public async Task Unavailable_calls_are_retried_until_the_server_is_up()
    {
        int port = FreePort();
        ResifServer? late = null;
        var retries = new List<int>();
        using var client = new ResifClient($"http://127.0.0.1:{port}")
        {
            MaxRetries = 8,
            RetryDelay = TimeSpan.FromMilliseconds(100),
            // The server starts only after the first refusal, so at least one retry must happen.
            OnRetry = (attempt, _) =>
            {
                retries.Add(attempt);
                if (attempt == 0) late = ResifServer.StartAsync(new ResifServerOptions { Store = _store, BackendProvider = new CpuBackendProvider(), Port = port })
                    .GetAwaiter().GetResult();
            },
        };
        try
        {
            var arrays = await client.ListArraysAsync();
            Assert.Contains(arrays, a => a.Name == "demo");
            Assert.NotEmpty(retries);
        }
        finally
        {
            if (late is not null) await late.DisposeAsync();
        }

        using var nobody = new ResifClient($"http://127.0.0.1:{FreePort()}") { MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
        var error = await Assert.ThrowsAsync<RpcException>(() => nobody.ListArraysAsync());
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class SynchronousProgress(Action<V1.Progress> report) : IProgress<V1.Progress>
    {
        public void Report(V1.Progress value) => report(value);
    }
}
