using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Limits;
using Resif.Gpu.Server.Security;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>Every server limit refuses with the right status and names what to change; requests inside the limits still work.</summary>
public sealed class LimitsTests : IDisposable
{
    private const long Channels = 8, Samples = 1000;
    private readonly DiskStore _disk = new();

    public LimitsTests() => _disk.Add("a", Channels, Samples);

    public void Dispose() => _disk.Dispose();

    private static V1.Operation Op(string name, params (string Key, string Value)[] parameters)
    {
        var op = new V1.Operation { Name = name };
        foreach (var (key, value) in parameters) op.Params[key] = new V1.ParamValue { Text = value };
        return op;
    }

    private async Task<RpcException> RefusedAsync(ServerLimits limits, V1.ReduceRequest request, long maxOutputBytes = 4L << 30)
    {
        await using var server = await Servers.StartAsync(_disk.Store, o => o with { Limits = limits, MaxOutputBytes = maxOutputBytes });
        using var client = new ResifClient(Servers.Channel(server.Url));
        return await Assert.ThrowsAsync<RpcException>(() => client.ReduceAsync(request));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("arrays/../../outside")]
    [InlineData("/outside")]
    [InlineData("a/../../outside")]
    [InlineData("a\u0000")]
    public async Task NamesThatLookLikePathsNeverReachTheFileSystem(string name)
    {
        // A real array placed beside the store's arrays folder: a name that escaped the folder would find it.
        DiskStore.CopyFolder(_disk.ArrayPath("a"), Path.Combine(_disk.Root, "outside"));
        await using var server = await Servers.StartAsync(_disk.Store);
        using var client = new ResifClient(Servers.Channel(server.Url));
        Assert.Equal(StatusCode.NotFound, await Servers.StatusOfAsync(() => client.DescribeAsync(name)));
        Assert.Equal(StatusCode.NotFound, await Servers.StatusOfAsync(() => client.ReduceAsync(new V1.ReduceRequest { Array = name })));
    }

    [Fact]
    public async Task LongPipelinesAreRefused()
    {
        var request = new V1.ReduceRequest { Array = "a", Operations = { Op("abs"), Op("abs"), Op("abs") } };
        var e = await RefusedAsync(new ServerLimits { MaxPipelineLength = 2 }, request);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("operations:", e.Status.Detail);
    }

    [Fact]
    public async Task FftSizesAreBoundedOnTheLayoutTheOperationReceives()
    {
        // The raw selection has 8000 points; after decimation by 4, fk sees 2000.
        var limits = new ServerLimits { MaxFftPoints = 4000 };
        var e = await RefusedAsync(limits, new V1.ReduceRequest { Array = "a", Operations = { Op("abs"), Op("fk") } });
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("operations[1]:", e.Status.Detail);

        await using var server = await Servers.StartAsync(_disk.Store, o => o with { Limits = limits });
        using var client = new ResifClient(Servers.Channel(server.Url));
        var result = await client.ReduceAsync(new V1.ReduceRequest { Array = "a", Operations = { Op("decimate", ("factor", "4")), Op("fk") } });
        Assert.Equal(Channels * Samples / 4, result.Data.LongLength);
    }

    [Fact]
    public async Task SlownessGridsAndWindowCountsAreBounded()
    {
        var beam = await RefusedAsync(ServerLimits.Default, new V1.ReduceRequest
        {
            Array = "a",
            Operations = { Op("beam", ("smin", "-0.001"), ("smax", "0.001"), ("ns", "1000000"), ("window", "0.5")) },
        });
        Assert.Equal(StatusCode.InvalidArgument, beam.StatusCode);
        Assert.StartsWith("operations[0].ns:", beam.Status.Detail);

        string positions = string.Join(';', Enumerable.Range(0, (int)Channels).Select(i => (0.1 * i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var grid = await RefusedAsync(ServerLimits.Default, new V1.ReduceRequest
        {
            Array = "a",
            Operations =
            {
                Op("arraybeam", ("x_km", positions), ("y_km", positions), ("win_len", "0.5"), ("sll_x", "-10"), ("slm_x", "10"),
                    ("sll_y", "-10"), ("slm_y", "10"), ("sl_s", "0.001"), ("frqlow", "1"), ("frqhigh", "10")),
            },
        });
        Assert.Equal(StatusCode.InvalidArgument, grid.StatusCode);
        Assert.StartsWith("operations[0].sl_s:", grid.Status.Detail);

        // 2 s of data in windows of 1 ms: 2000 windows over a limit of 100.
        var windows = await RefusedAsync(new ServerLimits { MaxWindowCount = 100 }, new V1.ReduceRequest { Array = "a", Operations = { Op("rms", ("window", "0.001")) } });
        Assert.Equal(StatusCode.InvalidArgument, windows.StatusCode);
        Assert.StartsWith("operations[0].window:", windows.Status.Detail);
    }

    [Theory]
    [InlineData("rms")]
    [InlineData("beam")]
    public async Task AZeroWindowIsRefusedAsSuchNotAsAnInfiniteWindowCount(string operation)
    {
        var op = operation == "rms" ? Op("rms", ("window", "0")) : Op("beam", ("smin", "-0.001"), ("smax", "0.001"), ("window", "0"));
        var refused = await RefusedAsync(ServerLimits.Default, new V1.ReduceRequest { Array = "a", Operations = { op } });
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("operations[0].window: must be greater than 0", refused.Status.Detail);
    }

    [Fact]
    public async Task AClientCannotRaiseTheServersOutputBudget()
    {
        var e = await RefusedAsync(ServerLimits.Default, new V1.ReduceRequest { Array = "a", MaxOutputBytes = 1L << 40 }, maxOutputBytes: 1000);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("1000", e.Status.Detail);
    }

    [Fact]
    public async Task CallsBeyondTheRateLimitAreRefusedPerUser()
    {
        const string alice = "alice-token-0123456789", bob = "bob-token-0123456789";
        var policy = AccessPolicy.Parse($$"""{"tokens": {"{{alice}}": "alice", "{{bob}}": "bob"}, "users": {"alice": {"*": ["read"]}, "bob": {"*": ["read"]} } }""");
        await using var server = await Servers.StartAsync(_disk.Store, o => o with { Access = policy, Limits = new ServerLimits { RequestsPerMinute = 3 } });
        using var aliceClient = new ResifClient(Servers.Channel(server.Url, alice));
        using var bobClient = new ResifClient(Servers.Channel(server.Url, bob));
        for (int i = 0; i < 3; i++) await aliceClient.ListArraysAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => aliceClient.ListArraysAsync());
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("rate limit", e.Status.Detail);
        // Another user has their own bucket, even from the same address.
        Assert.Single(await bobClient.ListArraysAsync());
    }

    [Fact]
    public async Task AFullAdmissionQueueAnswersResourceExhaustedAndTheAdmittedFinish()
    {
        var gated = new GatedStore(_disk.Store);
        await using var server = await Servers.StartAsync(gated, o => o with { Limits = new ServerLimits { MaxConcurrentReductions = 1, MaxQueuedReductions = 1 } });
        using var client = new ResifClient(Servers.Channel(server.Url));
        var request = new V1.ReduceRequest { Array = "a" };
        var running = client.ReduceAsync(request);
        await gated.WaitForHeldReadsAsync(1);

        // One of the next two waits in the queue, the other finds it full.
        var second = client.ReduceAsync(request);
        var third = client.ReduceAsync(request);
        var refused = await Task.WhenAny(second, third).WaitAsync(Suite.HangLimit);
        var e = await Assert.ThrowsAsync<RpcException>(() => refused);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);

        gated.OpenForever();
        var queued = refused == second ? third : second;
        Assert.Equal(_disk.Store.Describe("a").SizeBytes, (await running).Data.LongLength * 4);
        Assert.Equal((await running).Trailer.Sha256, (await queued).Trailer.Sha256);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(1)] // passes before the read starts
    public async Task TheServersTimeLimitEndsLongReductionsWithDeadlineExceeded(int limitMilliseconds)
    {
        var gated = new GatedStore(_disk.Store);
        var limit = TimeSpan.FromMilliseconds(limitMilliseconds);
        await using var server = await Servers.StartAsync(gated, o => o with { Limits = new ServerLimits { MaxRequestDuration = limit } });
        using var client = new ResifClient(Servers.Channel(server.Url));
        var call = client.ReduceAsync(new V1.ReduceRequest { Array = "a" });
        // On a loaded machine the limit may pass before the read starts; the call must then end the same way.
        await Task.WhenAny(gated.WaitForHeldReadsAsync(1), call).WaitAsync(Suite.HangLimit);
        // Hold the read well past the limit (a stand-in for slow storage), then let it go.
        await Task.Delay(limit * 3);
        gated.OpenForever();
        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Contains("time limit", e.Status.Detail);
    }

    [Fact]
    public async Task AClientThatStopsReadingFreesItsSlotOnceTheTimeLimitAndTheWriteGracePass()
    {
        _disk.Add("big", 32, 200_000); // 25.6 MB: far more than the HTTP/2 windows and socket buffers hold
        var gated = new GatedStore(_disk.Store);
        var limits = new ServerLimits { MaxRequestDuration = TimeSpan.FromSeconds(1), MaxConcurrentReductions = 1, MaxQueuedReductions = 1 };
        await using var server = await Servers.StartAsync(gated, o => o with { Limits = limits });
        // A call whose responses are never read: the server's writes stall on flow control while it holds the only slot.
        using var stalled = new V1.Reduction.ReductionClient(Servers.Channel(server.Url)).Reduce(new V1.ReduceRequest { Array = "big" });
        await gated.WaitForHeldReadsAsync(1).WaitAsync(Suite.HangLimit);
        gated.OpenForever();

        // The next call waits in the queue until the limit, then the grace, cut the stalled write.
        using var client = new ResifClient(Servers.Channel(server.Url));
        var next = await client.ReduceAsync(new V1.ReduceRequest { Array = "a" }).WaitAsync(Suite.HangLimit);
        Assert.Equal(Channels * Samples, next.Data.LongLength);
    }
}
