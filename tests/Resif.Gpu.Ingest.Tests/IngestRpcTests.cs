using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>
/// The client-streaming Ingest RPC end to end: a real server on loopback over a real store, data pushed with the C#
/// client and read back through the ordinary Reduce RPC.
/// </summary>
public sealed class IngestRpcTests : IAsyncLifetime
{
    // 128 channels x 8192 samples x 4 bytes = 4 MiB: the server's block (one fragment) is exactly one time tile.
    private const int Channels = 128, BlockSamples = 8192;
    private const string Writer = "writer-token-0123456789", Reader = "reader-token-0123456789";

    private static readonly AccessPolicy Policy = AccessPolicy.Parse($$"""
        {
          "tokens": { "{{Writer}}": "station", "{{Reader}}": "scientist" },
          "users": {
            "station": { "live-*": ["read", "reduce", "ingest"] },
            "scientist": { "*": ["read", "reduce"] }
          }
        }
        """);

    private readonly string _root = TestPaths.NewTempDirectory("ingest-rpc");
    private ResifServer _open = null!, _guarded = null!;
    private ResifClient _client = null!;

    public async Task InitializeAsync()
    {
        var store = new ArrayStore(Path.Combine(_root, "open"));
        _open = await ResifServer.StartAsync(new ResifServerOptions { Store = store, BackendProvider = new CpuBackendProvider(), Device = "cpu" });
        _guarded = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new ArrayStore(Path.Combine(_root, "guarded")), BackendProvider = new CpuBackendProvider(), Device = "cpu", Access = Policy,
        });
        _client = new ResifClient(_open.Url) { Deadline = TimeSpan.FromMinutes(2) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _open.DisposeAsync();
        await _guarded.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Deterministic values that differ per channel and sample, so a misplaced block shows.</summary>
    private static float[] Values(int channels, int samples, int seed)
    {
        var random = new Random(seed);
        var values = new float[channels * samples];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Columns [start, start + count) of a C-order [channels, samples] block.</summary>
    private static float[] Columns(float[] block, int channels, int start, int count)
    {
        int samples = block.Length / channels;
        var part = new float[channels * count];
        for (int c = 0; c < channels; c++) block.AsSpan(c * samples + start, count).CopyTo(part.AsSpan(c * count));
        return part;
    }

    private static async IAsyncEnumerable<T> Async<T>(IEnumerable<T> items, Func<Task>? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
        if (after is not null) await after();
    }

    private static V1.IngestHeader NewArray(string name, int channels = Channels) => new()
    {
        Name = name,
        Channels = channels,
        TimeStep = 0.002,
        TimeOrigin = "2026-11-25T12:00:00Z",
        DistanceStart = 100,
        DistanceStep = 2.5,
        Units = "strain_rate",
        Metadata = { ["interrogator"] = "test" },
    };

    private static V1.IngestRequest Chunk(float[] values, int channels, long? timeIndex = null, V1.DataType dtype = V1.DataType.Unspecified)
    {
        var chunk = new V1.IngestChunk { Channels = channels, Dtype = dtype, Data = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        if (timeIndex is { } index) chunk.TimeIndex = index;
        return new V1.IngestRequest { Chunk = chunk };
    }

    private async Task<float[]> ReadAllAsync(ResifClient client, string name) => (await client.ReduceAsync(new ReduceRequestBuilder(name))).Data;

    [Fact]
    public async Task PushedBlocksReadBackThroughReduceAndAppendsContinueTheArray()
    {
        // Blocks of uneven sizes, none aligned with the server's 8192-sample blocks, total 30000 samples.
        var first = Values(Channels, 30000, seed: 1);
        int[] cuts = [0, 5000, 17001, 30000];
        var blocks = cuts.Zip(cuts.Skip(1), (a, b) => Columns(first, Channels, a, b - a));

        var created = await _client.IngestAsync(NewArray("live-a"), Async(blocks));

        Assert.True(created.Created);
        Assert.Equal(0, created.FirstSample);
        Assert.Equal(30000, created.SamplesCommitted);
        Assert.Equal(4, created.FragmentsCommitted); // 3 whole server blocks of 8192 samples, then the 5424 left at the end
        var info = await _client.DescribeAsync("live-a");
        Assert.Equal([Channels, 30000L], info.Shape);
        Assert.Equal(0.002, info.Coords[1].Step);
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T12:00:00Z"), DateTimeOffset.Parse(info.Coords[1].Origin));
        Assert.Equal((100.0, 2.5), (info.Coords[0].Start, info.Coords[0].Step));
        Assert.Equal("strain_rate", info.Units);
        Assert.Equal("test", info.Metadata["interrogator"]);
        Assert.Equal(first, await ReadAllAsync(_client, "live-a"));

        // A header with the name only appends: the client asks the channel count, the server continues at the end.
        var second = Values(Channels, 9000, seed: 2);
        var appended = await _client.IngestAsync(new V1.IngestHeader { Name = "live-a" }, Async(new[] { second }));
        Assert.False(appended.Created);
        Assert.Equal((30000L, 9000L, 39000L), (appended.FirstSample, appended.SamplesCommitted, appended.ArraySamples));
        var all = await ReadAllAsync(_client, "live-a");
        for (int c = 0; c < Channels; c++)
        {
            Assert.Equal(first.AsSpan(c * 30000, 30000).ToArray(), all.AsSpan(c * 39000, 30000).ToArray());
            Assert.Equal(second.AsSpan(c * 9000, 9000).ToArray(), all.AsSpan(c * 39000 + 30000, 9000).ToArray());
        }
    }

    [Fact]
    public async Task IntegerChunksAreScaledAndAJumpForwardIsANaNGapInTheMetadata()
    {
        const int channels = 3;
        short[] raw = [1, -2, 300, 4, 5, -32768, 7, 8, 9]; // [3 channels, 3 samples]
        var header = NewArray("ints", channels);
        header.Dtype = V1.DataType.Int16;
        header.Scale = 0.5;
        V1.IngestRequest[] messages =
        [
            new() { Header = header },
            new() { Chunk = new V1.IngestChunk { Channels = channels, Data = ByteString.CopyFrom(MemoryMarshal.AsBytes(raw.AsSpan())) } },
            new() { Chunk = new V1.IngestChunk { Channels = channels, TimeIndex = 5, Data = ByteString.CopyFrom(MemoryMarshal.AsBytes(raw.AsSpan())) } },
        ];

        var response = await _client.IngestAsync(Async(messages));

        Assert.Equal((8L, 2L), (response.SamplesCommitted, response.GapSamples));
        var data = await ReadAllAsync(_client, "ints");
        for (int c = 0; c < channels; c++)
        {
            for (int t = 0; t < 3; t++)
            {
                // int16 x 0.5 is exact in float32.
                Assert.Equal(raw[c * 3 + t] * 0.5f, data[c * 8 + t]);
                Assert.Equal(raw[c * 3 + t] * 0.5f, data[c * 8 + 5 + t]);
            }
            Assert.True(float.IsNaN(data[c * 8 + 3]) && float.IsNaN(data[c * 8 + 4]));
        }
        var info = await _client.DescribeAsync("ints");
        Assert.Contains("\"samples\":2", info.Metadata["ingest_gaps"]);
        Assert.Equal("int16", info.Metadata["raw_dtype"]);
    }

    private static async Task<RpcException> RefusedAsync(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task ABadChunkIsRefusedNamingItsFieldAndTheWholeBlocksBeforeItStay()
    {
        var good = Values(Channels, 2 * BlockSamples + 2048, seed: 3);
        var messages = new List<V1.IngestRequest> { new() { Header = NewArray("live-bad") } };
        for (int start = 0; start < good.Length / Channels; start += 2048) messages.Add(Chunk(Columns(good, Channels, start, 2048), Channels));
        messages.Add(Chunk(Values(Channels / 2, 100, seed: 4), Channels / 2));

        var e = await RefusedAsync(() => _client.IngestAsync(Async(messages)));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("chunks[9].channels", Assert.Single(ResifClient.FieldViolations(e)).Field);
        // The two whole blocks were committed; the 2048 samples of the unfinished third block were dropped.
        Assert.Equal(Columns(good, Channels, 0, 2 * BlockSamples), await ReadAllAsync(_client, "live-bad"));

        var wrongType = await RefusedAsync(() => _client.IngestAsync(Async<V1.IngestRequest>(
            [new() { Header = NewArray("typed") }, Chunk(Values(Channels, 10, seed: 5), Channels, dtype: V1.DataType.Int32)])));
        Assert.Equal("chunks[0].dtype", Assert.Single(ResifClient.FieldViolations(wrongType)).Field);
        var backwards = await RefusedAsync(() => _client.IngestAsync(Async<V1.IngestRequest>(
            [new() { Header = new V1.IngestHeader { Name = "live-bad" } }, Chunk(Values(Channels, 10, seed: 6), Channels, timeIndex: 100)])));
        Assert.Equal("chunks[0].time_index", Assert.Single(ResifClient.FieldViolations(backwards)).Field);
        var farAhead = await RefusedAsync(() => _client.IngestAsync(Async<V1.IngestRequest>(
            [new() { Header = new V1.IngestHeader { Name = "live-bad" } }, Chunk(Values(Channels, 10, seed: 6), Channels, timeIndex: long.MaxValue)])));
        Assert.Equal("chunks[0].time_index", Assert.Single(ResifClient.FieldViolations(farAhead)).Field);
        var badName = await RefusedAsync(() => _client.IngestAsync(Async<V1.IngestRequest>([new() { Header = NewArray("../escape") }])));
        Assert.Equal("header.name", Assert.Single(ResifClient.FieldViolations(badName)).Field);
        var noChannels = await RefusedAsync(() => _client.IngestAsync(Async<V1.IngestRequest>([new() { Header = new V1.IngestHeader { Name = "new-one", TimeStep = 1 } }])));
        Assert.Equal("header.channels", Assert.Single(ResifClient.FieldViolations(noChannels)).Field);

        // Nothing was committed by the refused streams that created nothing: those arrays do not exist.
        Assert.Equal(["live-bad"], (await _client.ListArraysAsync()).Select(a => a.Name));
        Assert.Equal([Channels, 2L * BlockSamples], (await _client.DescribeAsync("live-bad")).Shape);
    }

    [Fact]
    public async Task AClientThatGoesAwayMidStreamLeavesOnlyTheWholeBlocksReadable()
    {
        var data = Values(Channels, 2 * BlockSamples + 3000, seed: 7);
        using var cancel = new CancellationTokenSource();
        // After its data the client waits until the server has stored two blocks, then disappears without closing.
        async Task VanishAsync()
        {
            var deadline = DateTime.UtcNow.AddMinutes(1); // a guard against a hang, not a timing assertion
            while ((await _client.ListArraysAsync()).All(a => a.Name != "live-cut") || (await _client.DescribeAsync("live-cut")).Shape[1] < 2 * BlockSamples)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the server never committed two blocks");
                await Task.Delay(50);
            }
            cancel.Cancel();
            cancel.Token.ThrowIfCancellationRequested();
        }

        var e = await Assert.ThrowsAnyAsync<Exception>(() => _client.IngestAsync(NewArray("live-cut"), Async(new[] { data }, VanishAsync), cancel.Token));

        Assert.True(e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled }, e.ToString());
        await WaitForTheWriterToLeaveAsync("live-cut");
        Assert.Equal([Channels, 2L * BlockSamples], (await _client.DescribeAsync("live-cut")).Shape);
        Assert.Equal(Columns(data, Channels, 0, 2 * BlockSamples), await ReadAllAsync(_client, "live-cut"));
    }

    [Fact]
    public async Task AServerStoppedMidStreamKeepsTheWholeBlocksTheStreamCommitted()
    {
        string root = Path.Combine(_root, "stopping");
        var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new ArrayStore(root), BackendProvider = new CpuBackendProvider(), Device = "cpu",
            Limits = Server.Limits.ServerLimits.Default with { ShutdownGrace = TimeSpan.FromMilliseconds(200) },
        });
        using var client = new ResifClient(server.Url) { MaxRetries = 0, Deadline = TimeSpan.FromMinutes(2) };
        var data = Values(Channels, 2 * BlockSamples + 3000, seed: 11);
        // After its data the client keeps the stream open until the server has stored two blocks, then the server stops.
        async Task StopTheServerAsync()
        {
            var deadline = DateTime.UtcNow.AddMinutes(1); // a guard against a hang, not a timing assertion
            while ((await client.ListArraysAsync()).All(a => a.Name != "live-stop") || (await client.DescribeAsync("live-stop")).Shape[1] < 2 * BlockSamples)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the server never committed two blocks");
                await Task.Delay(50);
            }
            await server.DisposeAsync();
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => client.IngestAsync(NewArray("live-stop"), Async(new[] { data }, StopTheServerAsync)));

        Assert.True(e.StatusCode is StatusCode.Unavailable or StatusCode.Cancelled, e.ToString());
        // The store, reopened without the server: the two committed blocks, and nothing of the unfinished third.
        var reopened = new ArrayStore(root);
        Assert.Equal([Channels, 2L * BlockSamples], reopened.Describe("live-stop").Layout.Shape);
        await using var restarted = await ResifServer.StartAsync(new ResifServerOptions { Store = reopened, BackendProvider = new CpuBackendProvider(), Device = "cpu" });
        using var reader = new ResifClient(restarted.Url);
        Assert.Equal(Columns(data, Channels, 0, 2 * BlockSamples), await ReadAllAsync(reader, "live-stop"));
    }

    /// <summary>
    /// The server lets one stream write an array at a time: an empty stream that is not refused (ABORTED) proves the
    /// cancelled one has finished, whatever it did on its way out.
    /// </summary>
    private async Task WaitForTheWriterToLeaveAsync(string name)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); ; await Task.Delay(50))
        {
            try
            {
                Assert.Equal(0, (await _client.IngestAsync(Async<V1.IngestRequest>([new() { Header = new V1.IngestHeader { Name = name } }]))).SamplesCommitted);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Aborted && DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private ResifClient GuardedClient(string? token)
    {
        var options = new GrpcChannelOptions();
        if (token is not null)
        {
            var bearer = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return Task.CompletedTask;
            });
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer);
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return new ResifClient(GrpcChannel.ForAddress(_guarded.Url, options)) { MaxRetries = 0 };
    }

    [Fact]
    public async Task IngestNeedsATokenAndTheIngestRightOnTheNamedArray()
    {
        var values = Values(4, 100, seed: 8);
        using var station = GuardedClient(Writer);
        using var scientist = GuardedClient(Reader);
        using var anonymous = GuardedClient(null);

        var pushed = await station.IngestAsync(NewArray("live-ok", 4), Async(new[] { values }));
        Assert.Equal(100, pushed.SamplesCommitted);
        Assert.Equal(values, await ReadAllAsync(scientist, "live-ok"));

        Assert.Equal(StatusCode.Unauthenticated, (await RefusedAsync(() => anonymous.IngestAsync(NewArray("live-x", 4), Async(new[] { values })))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => scientist.IngestAsync(NewArray("live-x", 4), Async(new[] { values })))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => station.IngestAsync(NewArray("other", 4), Async(new[] { values })))).StatusCode);
        // Refused before anything was written.
        Assert.Equal(["live-ok"], (await scientist.ListArraysAsync()).Select(a => a.Name));
        Assert.Equal(100, (await scientist.DescribeAsync("live-ok")).Shape[1]);
    }

    [Fact]
    public async Task IngestStreamsBeyondTheServersLimitAreRefusedAtOnceAndTheSlotIsFreedAfterwards()
    {
        await using var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = new ArrayStore(Path.Combine(_root, "limited")), BackendProvider = new CpuBackendProvider(), Device = "cpu",
            Limits = Server.Limits.ServerLimits.Default with { MaxConcurrentIngests = 1 },
        });
        using var client = new ResifClient(server.Url) { Deadline = TimeSpan.FromMinutes(2), MaxRetries = 0 };
        var block = Values(Channels, BlockSamples, seed: 9);
        var release = new TaskCompletionSource();
        // The first stream commits one block (so the server has surely admitted it), then stays open until released.
        async Task HoldAsync()
        {
            var deadline = DateTime.UtcNow.AddMinutes(1); // a guard against a hang, not a timing assertion
            while ((await client.ListArraysAsync()).All(a => a.Name != "live-held"))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the server never committed the first block");
                await Task.Delay(50);
            }
            await release.Task;
        }
        var held = client.IngestAsync(NewArray("live-held"), Async(new[] { block }, HoldAsync));
        while ((await client.ListArraysAsync()).All(a => a.Name != "live-held"))
        {
            if (held.IsCompleted) await held; // a failed first stream ends the test instead of a wait forever
            await Task.Delay(50);
        }

        var refused = await RefusedAsync(() => client.IngestAsync(NewArray("live-second"), Async(new[] { block })));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("ingest streams", refused.Status.Detail);

        release.SetResult();
        Assert.Equal(BlockSamples, (await held).SamplesCommitted);
        Assert.Equal(BlockSamples, (await client.IngestAsync(NewArray("live-second"), Async(new[] { block }))).SamplesCommitted);
    }
}
