using System.Runtime.InteropServices;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Functional.Tests;

public sealed class ServerTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static V1.ReduceRequest Request(string array, params V1.Operation[] operations)
    {
        var request = new V1.ReduceRequest { Array = array };
        request.Operations.Add(operations);
        return request;
    }

    private static V1.Operation Op(string name, params (string Key, string Value)[] parameters)
    {
        var op = new V1.Operation { Name = name };
        foreach (var (key, value) in parameters) op.Params[key] = new V1.ParamValue { Text = value };
        return op;
    }

    [Fact]
    public async Task Catalog_lists_and_describes_arrays_with_coordinates()
    {
        var arrays = await _server.Client.ListArraysAsync();
        Assert.Equal(["demo"], arrays.Select(a => a.Name));

        var info = await _server.Client.DescribeAsync("demo");
        Assert.Equal(["channel", "time"], info.Dims);
        Assert.Equal([40L, 2000L], info.Shape);
        Assert.Equal(V1.DataType.Float32, info.Dtype);
        Assert.Equal("strain_rate", info.Units);
        Assert.Equal(40L * 2000 * 4, info.SizeBytes);
        Assert.Equal(4.0, info.Coords[0].Step);
        Assert.Equal(0.002, info.Coords[1].Step);
        Assert.Equal("2024-01-01T00:00:00.0000000+00:00", info.Coords[1].Origin);
        Assert.Equal("test", info.Metadata["source"]);
    }

    [Fact]
    public async Task Reduce_selects_exactly_the_requested_samples()
    {
        // Independent of the executor: the expected values are sliced here straight from the generated scene.
        var request = Request("demo");
        request.Selection = new V1.Selection
        {
            Channels = new V1.IndexRange { Start = 3, Stop = 30, Step = 4 },
            Time = new V1.TimeWindow { Start = 0.5, End = 1.5 },
        };
        var result = await _server.Client.ReduceAsync(request);

        long[] channels = [3, 7, 11, 15, 19, 23, 27];
        Assert.Equal([channels.Length, 500L], result.Shape);
        var expected = channels.SelectMany(c => _server.SceneData.Skip((int)(c * 2000 + 250)).Take(500)).ToArray();
        Assert.Equal(expected, result.Data);
        Assert.Equal(12.0, result.Header.Coords[0].Start);
        Assert.Equal(16.0, result.Header.Coords[0].Step);
        Assert.Equal(0.5, result.Header.Coords[1].Start, 12);
        Assert.Equal(new V1.IndexRange { Start = 3, Stop = 28, Step = 4 }, result.Header.ResolvedSelection.Channels);
        Assert.Equal("select", result.Header.Provenance[0].Name);
    }

    [Fact]
    public async Task Reduce_through_the_client_is_byte_identical_to_the_executor_in_process()
    {
        var request = Request("demo", Op("scale", ("factor", "-2.5"), ("every", "3")));
        request.Selection = new V1.Selection { Channels = new V1.IndexRange { Start = 1, Stop = 39, Step = 2 } };
        var remote = await _server.Client.ReduceAsync(request);

        var info = _server.Store.Describe("demo");
        var plan = ReductionPlan.Create(info, ProtoMapping.ToCore(request, info), ScaleDescriptor.Registry, 1L << 30);
        using var source = _server.Store.Open("demo");
        using var backend = new CpuBackend();
        var local = new List<byte>();
        string? sha = null;
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, backend))
        {
            if (part is ResultChunk chunk) local.AddRange(chunk.Data.ToArray());
            if (part is ResultTrailer trailer) sha = trailer.Sha256;
        }

        Assert.Equal(local.ToArray(), MemoryMarshal.AsBytes(remote.Data.AsSpan()).ToArray());
        Assert.Equal(sha, remote.Trailer.Sha256);
        Assert.Equal(plan.Output.Shape, remote.Shape);
        Assert.Equal("cpu-vector", remote.Header.Backend);
        var scale = remote.Header.Provenance[1];
        Assert.Equal("scale", scale.Name);
        Assert.Equal("-2.5", scale.Params["factor"]);
        Assert.Equal("3", scale.Params["every"]);
    }

    [Theory]
    [InlineData("nope", "", "", StatusCode.NotFound, "'nope'")]
    [InlineData("", "", "", StatusCode.InvalidArgument, "array:")]
    [InlineData("demo", "lowpass", "", StatusCode.InvalidArgument, "operations[0].name:")]
    [InlineData("demo", "scale", "", StatusCode.InvalidArgument, "operations[0].factor: required")]
    [InlineData("demo", "scale", "factor=abc", StatusCode.InvalidArgument, "operations[0].factor:")]
    [InlineData("demo", "scale", "factor=1;every=0", StatusCode.InvalidArgument, "operations[0].every:")]
    [InlineData("demo", "scale", "factor=1;colour=red", StatusCode.InvalidArgument, "operations[0].colour:")]
    public async Task Bad_requests_get_the_right_status_naming_the_field_and_the_server_keeps_serving(
        string array, string operation, string parameters, StatusCode code, string detail)
    {
        var request = Request(array);
        if (operation.Length > 0)
        {
            var pairs = parameters.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).Select(p => (p[0], p[1])).ToArray();
            request.Operations.Add(Op(operation, pairs));
        }
        await AssertFailsAsync(request, code, detail);
    }

    [Theory]
    [InlineData(5, 5, 0, 0, "selection.channels.stop")]
    [InlineData(0, 0, 5, 0, "selection.time.start")]
    [InlineData(0, 0, 1.0005, 1.001, "selection.time")]
    [InlineData(0, 41, 0, 0, "selection.channels.stop")]
    public async Task Empty_or_outside_selections_are_invalid_arguments(long start, long stop, double t0, double t1, string field)
    {
        var request = Request("demo");
        request.Selection = new V1.Selection
        {
            Channels = new V1.IndexRange { Start = start, Stop = stop },
            Time = new V1.TimeWindow { Start = t0, End = t1 },
        };
        await AssertFailsAsync(request, StatusCode.InvalidArgument, field + ":");
    }

    [Fact]
    public async Task Over_budget_is_resource_exhausted_before_any_read()
    {
        var request = Request("demo");
        request.MaxOutputBytes = 1000;
        await AssertFailsAsync(request, StatusCode.ResourceExhausted, "over the budget of 1000 bytes");
        Assert.Equal(0, _server.Store.Reads);
    }

    [Fact]
    public async Task Corrupt_data_is_data_loss_and_unexpected_errors_are_internal_without_details()
    {
        _server.Store.ReadFailure = new DataCorruptionException("tile 3 of demo fails its checksum");
        await AssertFailsAsync(Request("demo"), StatusCode.DataLoss, "tile 3 of demo fails its checksum");

        _server.Store.ReadFailure = new InvalidOperationException("secret /srv/path detail");
        var error = await AssertFailsAsync(Request("demo"), StatusCode.Internal, "internal server error");
        Assert.DoesNotContain("secret", error.Status.Detail);

        _server.Store.ReadFailure = null;
        Assert.Equal(40 * 2000, (await _server.Client.ReduceAsync(Request("demo"))).Data.Length);
        Assert.Equal(0, _server.Store.OpenSources);
    }

    [Fact]
    public async Task Cancelling_the_stream_stops_the_work_on_the_server()
    {
        // 64 channels of 1 M samples: 4 MB per channel, 8 channels per 32 MB block, so 8 blocks in all.
        _server.Store.AddGenerated("long", 64, 1_000_000, 0.001);
        _server.Store.Gate = new SemaphoreSlim(1);
        using var cancel = new CancellationTokenSource();
        int chunks = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var response in _server.Client.ReduceStreamAsync(Request("long"), cancel.Token))
            {
                if (response.PayloadCase == V1.ReduceResponse.PayloadOneofCase.Chunk && ++chunks == 1) cancel.Cancel();
            }
        });
        Assert.True(error is OperationCanceledException || error is RpcException { StatusCode: StatusCode.Cancelled }, error.ToString());

        _server.Store.Gate.Release(100);
        // The server disposes the source when its stream ends: wait for that, then check it did not read everything.
        for (int i = 0; i < 300 && Volatile.Read(ref _server.Store.OpenSources) > 0; i++) await Task.Delay(100);
        Assert.Equal(0, _server.Store.OpenSources);
        Assert.InRange(_server.Store.Reads, 1, 3);
        Assert.Single(await _server.Client.ListArraysAsync(), a => a.Name == "long");
    }

    [Fact]
    public async Task A_passed_deadline_is_deadline_exceeded()
    {
        _server.Store.Gate = new SemaphoreSlim(0);
        _server.Client.Deadline = TimeSpan.FromMilliseconds(300);
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.ReduceAsync(Request("demo")));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        _server.Store.Gate.Release(100);
    }

    [Fact]
    public async Task Operations_devices_health_and_reflection_are_served()
    {
        var operations = await _server.Client.ListOperationsAsync();
        var scale = Assert.Single(operations);
        Assert.Equal("scale", scale.Name);
        Assert.Equal(["factor", "every"], scale.Parameters.Select(p => p.Name));
        Assert.Equal("", scale.Parameters[0].DefaultValue);
        Assert.Equal("1", scale.Parameters[1].DefaultValue);
        Assert.Equal("integer", scale.Parameters[1].Kind);

        var devices = await _server.Client.ListDevicesAsync();
        Assert.Contains(devices.Devices, d => d.Id == "cpu" && d.Usable);
        Assert.StartsWith("cpu-vector", devices.Active);

        using var channel = GrpcChannel.ForAddress(_server.Server.Url);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "resif.gpu.v1.Reduction");
    }

    private async Task<RpcException> AssertFailsAsync(V1.ReduceRequest request, StatusCode code, string detail)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.ReduceAsync(request));
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(detail, error.Status.Detail);
        // Every failure leaves the server able to answer the next call.
        Assert.Equal(["demo"], (await _server.Client.ListArraysAsync()).Select(a => a.Name).Where(n => n == "demo"));
        return error;
    }
}
