using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>One damaged array must not take the catalog down for every user: it is left out of listings and answers DATA_LOSS when named.</summary>
[Collection(HeavyCollection.Name)]
public sealed class CatalogCorruptionTests : IDisposable
{
    private readonly DiskStore _disk = new();

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task A_damaged_schema_is_left_out_of_the_listing_and_reported_when_named()
    {
        _disk.Add("good", 8, 1000);
        _disk.Add("broken", 8, 1000);
        foreach (string schema in Directory.GetFiles(Path.Combine(_disk.ArrayPath("broken"), "__schema")))
        {
            var bytes = File.ReadAllBytes(schema);
            File.WriteAllBytes(schema, bytes[..(bytes.Length / 3)]);
        }
        await using var server = await Servers.StartAsync(_disk.Store);
        using var client = new ResifClient(Servers.Channel(server.Url));

        var listed = await client.ListArraysAsync();
        Assert.Equal(["good"], listed.Select(a => a.Name));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.DescribeAsync("broken"));
        Assert.Equal(StatusCode.DataLoss, e.StatusCode);
        Assert.Contains("broken", e.Status.Detail);
    }
}
