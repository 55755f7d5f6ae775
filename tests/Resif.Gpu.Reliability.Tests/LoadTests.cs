using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Health.V1;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using Xunit.Abstractions;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>The heavy tests run one at a time, so their figures do not depend on what else the runner schedules.</summary>
[CollectionDefinition(Name)]
public sealed class HeavyCollection
{
    public const string Name = "heavy";
}

[Collection(HeavyCollection.Name)]
public sealed class LoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly DiskStore _disk = new();

    public void Dispose() => _disk.Dispose();

    private enum Fate { Complete, Cancel, Deadline }

    private sealed class Tally
    {
        public int InFlight, PeakInFlight, Completed, Refused, Cancelled, DeadlineExceeded, HealthChecks;
        public long PeakHeapBytes;
        public int PeakThreads;

        public void Enter()
        {
            int now = Interlocked.Increment(ref InFlight);
            int peak;
            while (now > (peak = Volatile.Read(ref PeakInFlight)) && Interlocked.CompareExchange(ref PeakInFlight, now, peak) != peak) { }
        }
    }

    /// <summary>
    /// N clients, each on its own connection, reduce the same and different arrays with different pipelines; some cancel
    /// after the first message, some give themselves a deadline too short to finish. Every completed result must equal
    /// the single-client result; the others must end with the status that says why; health answers SERVING throughout.
    /// </summary>
    [Fact]
    public async Task ConcurrentClientsGetTheSingleClientResults()
    {
        _disk.Add("same", 64, 20_000, fragments: 3);
        _disk.Add("other-1", 32, 30_000, seed: 1);
        _disk.Add("other-2", 16, 12_000, fragments: 2, seed: 2);
        string[] arrays = ["same", "same", "other-1", "other-2"];
        string[][] pipelines =
        [
            [],
            ["abs"],
            ["bandpass:freqmin=2,freqmax=40,corners=4", "decimate:factor=4"],
            ["detrend", "taper", "rms:window=0.5"],
            ["envelope", "decimate:factor=5,method=fir"],
        ];

        // A queue shorter than the number of clients, so admission control refuses some calls while the others run.
        int clients = Suite.Times(12), perClient = Suite.Times(4);
        var limits = new Server.Limits.ServerLimits { MaxConcurrentReductions = 2, MaxQueuedReductions = clients - 4 };
        await using var server = await Servers.StartAsync(_disk.Store, o => o with { Limits = limits });
        var expected = new Dictionary<(string, int), string>();
        using (var single = new ResifClient(Servers.Channel(server.Url)))
        {
            foreach (string array in arrays.Distinct())
                for (int p = 0; p < pipelines.Length; p++)
                    expected[(array, p)] = (await single.ReduceAsync(Requests.Of(array, pipelines[p]))).Trailer.Sha256;
        }

        long heapBefore = HeapAfterFullCollection();
        var tally = new Tally();
        var mismatches = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<string>();
        using var stopProbes = new CancellationTokenSource();
        var probes = ProbeHealthAsync(server.Url, tally, stopProbes.Token);

        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(Suite.Seed + c);
            using var channel = Servers.Channel(server.Url);
            for (int k = 0; k < perClient; k++)
            {
                string array = arrays[random.Next(arrays.Length)];
                int p = random.Next(pipelines.Length);
                var fate = random.NextDouble() switch { < 0.15 => Fate.Cancel, < 0.3 => Fate.Deadline, _ => Fate.Complete };
                using var client = new ResifClient(channel) { Deadline = fate == Fate.Deadline ? TimeSpan.FromMilliseconds(random.Next(1, 30)) : Suite.HangLimit };
                tally.Enter();
                try
                {
                    if (fate == Fate.Cancel)
                    {
                        using var cancel = new CancellationTokenSource();
                        await foreach (var _ in client.ReduceStreamAsync(Requests.Of(array, pipelines[p]), cancel.Token)) cancel.Cancel();
                    }
                    else
                    {
                        var result = await client.ReduceAsync(Requests.Of(array, pipelines[p]));
                        if (result.Trailer.Sha256 != expected[(array, p)]) mismatches.Add($"{array} pipeline {p}");
                    }
                    Interlocked.Increment(ref tally.Completed);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && fate == Fate.Cancel)
                {
                    Interlocked.Increment(ref tally.Cancelled);
                }
                catch (OperationCanceledException) when (fate == Fate.Cancel)
                {
                    Interlocked.Increment(ref tally.Cancelled);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && fate == Fate.Deadline)
                {
                    Interlocked.Increment(ref tally.DeadlineExceeded);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    Interlocked.Increment(ref tally.Refused);
                }
                catch (Exception e)
                {
                    unexpected.Add($"{fate} {array} pipeline {p}: {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    Interlocked.Decrement(ref tally.InFlight);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(Suite.HangLimit * Suite.Scale);
        stopProbes.Cancel();
        var probeFailures = await probes;

        // Nothing is kept once the calls end: after a full collection the heap is back near where it started, up to
        // 64 MiB for pooled buffers and runtime caches plus 1 MiB per connection (Kestrel's and the clients' I/O pools).
        // A client sees its status before the server's handler has let go of its blocks (a cancelled call finishes the
        // block in hand), so the heap is given a few seconds to settle; a leak stays above the bound.
        long slack = (64L << 20) + clients * (1L << 20);
        long heapAfter = HeapAfterFullCollection();
        for (var settle = System.Diagnostics.Stopwatch.StartNew(); heapAfter - heapBefore >= slack && settle.Elapsed < TimeSpan.FromSeconds(5);)
        {
            await Task.Delay(200);
            heapAfter = HeapAfterFullCollection();
        }
        Suite.Report(output, "concurrent clients", clients);
        Suite.Report(output, "concurrent calls held (peak)", tally.PeakInFlight);
        Suite.Report(output, "requests completed", tally.Completed);
        Suite.Report(output, "requests refused", tally.Refused);
        Suite.Report(output, "requests cancelled", tally.Cancelled);
        Suite.Report(output, "requests past their deadline", tally.DeadlineExceeded);
        Suite.Report(output, "health checks answered SERVING", tally.HealthChecks);
        Suite.Report(output, "GC heap before / peak / after (MiB)", $"{heapBefore >> 20} / {tally.PeakHeapBytes >> 20} / {heapAfter >> 20}");
        Suite.Report(output, "thread-pool threads (peak)", tally.PeakThreads);

        Assert.Empty(unexpected);
        Assert.Empty(mismatches);
        Assert.Empty(probeFailures);
        Assert.True(tally.HealthChecks > 0);
        Assert.Equal(clients * perClient, tally.Completed + tally.Refused + tally.Cancelled + tally.DeadlineExceeded);
        Assert.True(heapAfter - heapBefore < slack, $"heap grew from {heapBefore >> 20} to {heapAfter >> 20} MiB");
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Health checks in a loop while the load runs; each must answer SERVING (a starved pool would time them out).</summary>
    private static async Task<List<string>> ProbeHealthAsync(string url, Tally tally, CancellationToken stop)
    {
        var failures = new List<string>();
        using var channel = Servers.Channel(url);
        var health = new Health.HealthClient(channel);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Suite.HangLimit);
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving) tally.HealthChecks++;
                else failures.Add(response.Status.ToString());
                tally.PeakHeapBytes = Math.Max(tally.PeakHeapBytes, GC.GetTotalMemory(false));
                tally.PeakThreads = Math.Max(tally.PeakThreads, ThreadPool.ThreadCount);
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (RpcException e)
            {
                failures.Add(e.Status.ToString());
            }
        }
        return failures;
    }
}
