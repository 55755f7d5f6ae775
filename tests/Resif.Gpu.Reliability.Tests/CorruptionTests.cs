using Grpc.Core;
using Grpc.Health.V1;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using Xunit.Abstractions;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>Damaged tiles on a serving store: DATA_LOSS naming the array and the fragment, never numbers, and the server keeps serving.</summary>
[Collection(HeavyCollection.Name)]
public sealed class CorruptionTests(ITestOutputHelper output) : IDisposable
{
    private readonly DiskStore _disk = new();

    public void Dispose() => _disk.Dispose();

    private string[] FragmentsOf(string array) =>
        Directory.GetDirectories(Path.Combine(_disk.ArrayPath(array), "__fragments")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task FlippedAndTruncatedTilesAnswerDataLossAndTheServerKeepsServing()
    {
        var healthy = _disk.Add("healthy", 16, 20_000);
        _disk.Add("flipped", 16, 20_000, fragments: 2);
        _disk.Add("truncated", 16, 20_000, fragments: 2);
        await using var server = await Servers.StartAsync(_disk.Store);
        using var client = new ResifClient(Servers.Channel(server.Url));

        // Flip bytes in the middle of the second fragment's data; cut the first fragment's data file in half.
        string flippedFragment = FragmentsOf("flipped")[1], truncatedFragment = FragmentsOf("truncated")[0];
        string data = Path.Combine(flippedFragment, "a0.tdb");
        var bytes = File.ReadAllBytes(data);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(data, bytes);
        using (var file = File.OpenWrite(Path.Combine(truncatedFragment, "a0.tdb"))) file.SetLength(file.Length / 2);

        int detected = 0;
        foreach (var (array, fragment) in new[] { ("flipped", flippedFragment), ("truncated", truncatedFragment) })
        {
            // The whole array, then only the damaged fragment's time range: both touch the damaged tiles.
            foreach (var request in new[] { Requests.Of(array), Requests.Of(array, "abs", "rms:window=1") })
            {
                var e = await Assert.ThrowsAsync<RpcException>(() => client.ReduceAsync(request));
                Assert.Equal(StatusCode.DataLoss, e.StatusCode);
                Assert.Contains(array, e.Status.Detail);
                Assert.Contains(Path.GetFileName(fragment), e.Status.Detail);
                Assert.DoesNotContain(_disk.Root, e.Status.Detail); // where the server keeps its data is none of the client's business
                output.WriteLine($"DATA_LOSS detail: {e.Status.Detail}");
                detected++;
            }
        }

        Assert.Equal(healthy, (await client.ReduceAsync(Requests.Of("healthy"))).Data);
        var health = new Health.HealthClient(Servers.Channel(server.Url));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Suite.Report(output, "corruptions detected (served tiles)", detected);
    }
}
