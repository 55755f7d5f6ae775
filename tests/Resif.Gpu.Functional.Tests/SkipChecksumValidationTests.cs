using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Configuration;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>The "skipChecksumValidation" key / `serve --skip-checksum-validation`: off by default, and it reaches the store.</summary>
public sealed class SkipChecksumValidationTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_key_reaches_the_server_options_and_is_off_by_default()
    {
        Assert.True(ServerConfiguration.Parse("""{ "skipChecksumValidation": true }""", "test", _dir).ToOptions().SkipChecksumValidation);
        Assert.False(ServerConfiguration.Parse("{}", "test", _dir).ToOptions().SkipChecksumValidation);
        var e = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Parse("""{ "skipChecksumValidation": "yes" }""", "test", _dir));
        Assert.Equal("skipChecksumValidation", e.Key);
    }

    [Fact]
    public async Task A_damaged_stored_hash_is_data_loss_by_default_and_read_with_the_skip()
    {
        string root = Path.Combine(_dir, "store");
        var store = new ArrayStore(root);
        var block = Enumerable.Range(0, 4 * 5000).Select(i => MathF.Sin(i * 0.02f)).ToArray();
        using (var session = store.CreateStaged(4, new ArrayCoordinates(0.001, DateTimeOffset.UnixEpoch, 0, 1),
            dataFilters: ArrayStore.ParseDataFilters("zstd+sha256")))
        {
            session.Append(block, 4, 5000);
            session.Publish("das");
        }
        // First chunk's SHA-256 of its data: [u64 chunks][u32 x3 chunk header][u32 x2 sum counts][u64 + 32-byte metadata sum][u64 length] then the hash.
        string file = Directory.GetFiles(Path.Combine(root, "arrays", "das"), "a0.tdb", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[8 + 12 + 8 + 40 + 8] ^= 1;
        File.WriteAllBytes(file, bytes);

        foreach (bool skip in new[] { false, true })
        {
            await using var server = await ResifServer.StartAsync(new ResifServerOptions { StorePath = root, Device = "cpu", SkipChecksumValidation = skip });
            using var client = new ResifClient(server.Url);
            var request = new ReduceRequestBuilder("das").Decimate(2);
            if (skip)
            {
                var result = await client.ReduceAsync(request);
                Assert.Equal([4L, 2500L], result.Shape);
            }
            else Assert.Equal(StatusCode.DataLoss, (await Assert.ThrowsAsync<RpcException>(() => client.ReduceAsync(request))).StatusCode);
        }
    }
}
