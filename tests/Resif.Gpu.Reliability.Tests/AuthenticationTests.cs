using Grpc.Core;
using Grpc.Health.V1;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Reliability.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Security;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>Bearer tokens and per-array rights on a real loopback server over a real store.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string Alice = "alice-token-0123456789", Admin = "admin-token-0123456789";

    private static readonly AccessPolicy Policy = AccessPolicy.Parse($$"""
        {
          "tokens": { "{{Alice}}": "alice", "{{Admin}}": "root" },
          "users": {
            "alice": { "public-*": ["read", "reduce"], "readonly-*": ["read"] },
            "root": { "*": ["admin"] }
          }
        }
        """);

    private readonly DiskStore _disk = new();
    private ResifServer _server = null!;

    public async Task InitializeAsync()
    {
        _disk.Add("public-a", 8, 1000);
        _disk.Add("readonly-b", 8, 1000);
        _disk.Add("secret-c", 8, 1000);
        _server = await Servers.StartAsync(_disk.Store, o => o with { Access = Policy });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _disk.Dispose();
    }

    private ResifClient Client(string? token) => new(Servers.Channel(_server.Url, token));

    private static V1.ReduceRequest Reduce(string array) => new() { Array = array, Operations = { new V1.Operation { Name = "abs" } } };

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-valid-token-at-all")]
    public async Task WithoutAValidTokenEveryServiceCallIsUnauthenticated(string? token)
    {
        using var client = Client(token);
        Assert.Equal(StatusCode.Unauthenticated, await Servers.StatusOfAsync(() => client.ListArraysAsync()));
        Assert.Equal(StatusCode.Unauthenticated, await Servers.StatusOfAsync(() => client.DescribeAsync("public-a")));
        Assert.Equal(StatusCode.Unauthenticated, await Servers.StatusOfAsync(() => client.ReduceAsync(Reduce("public-a"))));
        Assert.Equal(StatusCode.Unauthenticated, await Servers.StatusOfAsync(() => client.ListOperationsAsync()));
        Assert.Equal(StatusCode.Unauthenticated, await Servers.StatusOfAsync(() => client.ListDevicesAsync()));
    }

    [Fact]
    public async Task HealthProbesNeedNoToken()
    {
        var health = new Health.HealthClient(Servers.Channel(_server.Url));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task AnArrayTheUserMayNotReadDoesNotExistForThem()
    {
        using var alice = Client(Alice);
        Assert.Equal(["public-a", "readonly-b"], (await alice.ListArraysAsync()).Select(a => a.Name));

        // Same status and same words as an array that is really missing: nothing tells them apart.
        var hidden = await Assert.ThrowsAsync<RpcException>(() => alice.DescribeAsync("secret-c"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => alice.DescribeAsync("missing-d"));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(missing.Status.Detail.Replace("missing-d", "secret-c", StringComparison.Ordinal), hidden.Status.Detail);
        var hiddenReduce = await Assert.ThrowsAsync<RpcException>(() => alice.ReduceAsync(Reduce("secret-c")));
        var missingReduce = await Assert.ThrowsAsync<RpcException>(() => alice.ReduceAsync(Reduce("missing-d")));
        Assert.Equal(StatusCode.NotFound, hiddenReduce.StatusCode);
        Assert.Equal(missingReduce.Status.Detail.Replace("missing-d", "secret-c", StringComparison.Ordinal), hiddenReduce.Status.Detail);
    }

    [Fact]
    public async Task ReadingWithoutTheReduceRightIsPermissionDenied()
    {
        using var alice = Client(Alice);
        Assert.Equal("readonly-b", (await alice.DescribeAsync("readonly-b")).Name);
        var e = await Assert.ThrowsAsync<RpcException>(() => alice.ReduceAsync(Reduce("readonly-b")));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("alice", e.Status.Detail);
    }

    [Fact]
    public async Task ARightfulUserGetsTheSameBytesAsTheAdministrator()
    {
        using var alice = Client(Alice);
        using var admin = Client(Admin);
        var mine = await alice.ReduceAsync(Reduce("public-a"));
        var theirs = await admin.ReduceAsync(Reduce("public-a"));
        Assert.Equal(theirs.Trailer.Sha256, mine.Trailer.Sha256);
        Assert.Equal(3, (await admin.ListArraysAsync()).Count);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task ServingBeyondLoopbackWithoutTokensIsRefusedBeforeBinding(string address)
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => Servers.StartAsync(_disk.Store, o => o with { BindAddress = address }));
        Assert.Equal("tokens", e.Field);
    }
}
