using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using Resif.Gpu.Server.Limits;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>Stopping the server: in-flight streams finish within the grace period, or end with UNAVAILABLE after it.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly DiskStore _disk = new();
    private readonly float[] _values;

    public ShutdownTests() => _values = _disk.Add("a", 8, 1000);

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task AStreamThatFinishesWithinTheGraceIsDeliveredWhole()
    {
        var gated = new GatedStore(_disk.Store);
        var server = await Servers.StartAsync(gated);
        using var client = new ResifClient(Servers.Channel(server.Url));
        var call = client.ReduceAsync(new V1.ReduceRequest { Array = "a" });
        await gated.WaitForHeldReadsAsync(1);
        var stopping = server.DisposeAsync().AsTask();
        gated.OpenForever();
        Assert.Equal(_values, (await call).Data);
        await stopping.WaitAsync(Suite.HangLimit);
        // Stopped means stopped: new calls fail instead of hanging.
        Assert.Equal(StatusCode.Unavailable, await Servers.StatusOfAsync(() => client.ListArraysAsync()));
    }

    [Fact]
    public async Task AStreamStillRunningAfterTheGraceEndsWithUnavailable()
    {
        var gated = new GatedStore(_disk.Store);
        var grace = TimeSpan.FromMilliseconds(300);
        var server = await Servers.StartAsync(gated, o => o with { Limits = new ServerLimits { ShutdownGrace = grace } });
        using var client = new ResifClient(Servers.Channel(server.Url));
        var call = client.ReduceAsync(new V1.ReduceRequest { Array = "a" });
        await gated.WaitForHeldReadsAsync(1);
        var stopping = server.DisposeAsync().AsTask();
        await Task.Delay(grace * 3);
        gated.OpenForever();
        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        await stopping.WaitAsync(Suite.HangLimit);
    }
}
