using Grpc.Core;
using Google.Protobuf;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Ingest;
using Resif.Gpu.Reliability.Tests.Support;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;
using Xunit.Abstractions;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>
/// Property tests with generated inputs, bounded in count (x RESIF_RELIABILITY_SCALE): damaged TileDB arrays, damaged
/// vendor files and hostile requests never crash, hang or allocate without bound, and never yield wrong numbers.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    /// <summary>A reader may allocate what a file says, within reason: these inputs hold at most a few MiB of samples,
    /// so a GiB means a size field was trusted without a bound.</summary>
    private const long AllocationBound = 1L << 30;

    [Fact]
    public void DamagedTileDbArraysFailCleanlyOrReadTheRightNumbers()
    {
        using var disk = new DiskStore();
        var values = disk.Add("base", 40, 20_000, fragments: 3);
        string basePath = disk.ArrayPath("base");
        var files = Directory.GetFiles(basePath, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(basePath, f)).Order(StringComparer.Ordinal).ToArray();
        var random = new Random(Suite.Seed);
        int tried = Suite.Times(80), detected = 0, harmless = 0;
        long largest = 0;
        var failures = new List<string>();
        for (int i = 0; i < tried; i++)
        {
            string name = $"case-{i}";
            DiskStore.CopyFolder(basePath, Path.Combine(disk.Root, "arrays", name));
            string damage = Mutations.Apply(Path.Combine(disk.Root, "arrays", name, files[random.Next(files.Length)]), random);
            float[]? read = null;
            long allocated = Mutations.Allocated(() =>
            {
                using var source = disk.Store.Open(name);
                if (source.Info.Layout.Shape[0] != 40 || source.Info.Layout.Shape[1] != 20_000)
                    throw new InvalidOperationException($"shape became {string.Join("x", source.Info.Layout.Shape)}");
                read = new float[values.Length];
                source.Read(0, 40, 1, 0, 20_000, read);
            }, out var failure);
            largest = Math.Max(largest, allocated);
            if (allocated > AllocationBound) failures.Add($"{damage}: allocated {allocated >> 20} MiB");
            switch (failure)
            {
                case null when read.AsSpan().SequenceEqual(values):
                    harmless++;
                    break;
                case null:
                    failures.Add($"{damage}: wrong numbers without an error");
                    break;
                case DataCorruptionException or NotSupportedException or ArrayNotFoundException:
                    detected++;
                    break;
                default:
                    failures.Add($"{damage}: {failure.GetType().Name}: {failure.Message}");
                    break;
            }
            Directory.Delete(Path.Combine(disk.Root, "arrays", name), recursive: true);
        }
        Suite.Report(output, "fuzz inputs tried (TileDB arrays)", tried);
        Suite.Report(output, "corruptions detected (TileDB fuzz) / harmless", $"{detected} / {harmless}");
        Suite.Report(output, "largest allocation by one damaged array (MiB)", largest >> 20);
        Assert.True(failures.Count == 0, string.Join("\n", [.. failures, Suite.Replay]));
    }

    [Fact]
    public void DamagedVendorFilesFailWithInvalidDataOrReadConsistently()
    {
        string dir = TestPaths.NewTempDirectory("resif-vendor-fuzz");
        var random = new Random(Suite.Seed);
        var originals = Directory.GetFiles(TestPaths.ConformanceFile("das-formats"))
            .Where(f => Path.GetFileName(f) is not ("README.md" or "expected_metadata.json")).Order(StringComparer.Ordinal).ToArray();
        int tried = 0, detected = 0;
        long largest = 0;
        var failures = new List<string>();
        try
        {
            for (int round = 0; round < Suite.Times(4); round++)
            {
                foreach (string original in originals)
                {
                    string path = Path.Combine(dir, $"{round}-{Path.GetFileName(original)}");
                    File.Copy(original, path, overwrite: true);
                    string damage = Mutations.Apply(path, random);
                    tried++;
                    long allocated = Mutations.Allocated(() =>
                    {
                        var recording = DasFormats.Read(path);
                        if (recording.Data.LongLength != recording.Channels * recording.SampleCount)
                            throw new InvalidOperationException($"{recording.Data.LongLength} values for {recording.Channels} x {recording.SampleCount}");
                    }, out var failure);
                    largest = Math.Max(largest, allocated);
                    if (allocated > AllocationBound) failures.Add($"{damage}: allocated {allocated >> 20} MiB");
                    if (failure is InvalidDataException) detected++;
                    else if (failure is not null) failures.Add($"{damage}: {failure.GetType().Name}: {failure.Message}");
                    File.Delete(path);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Suite.Report(output, "fuzz inputs tried (vendor files)", tried);
        Suite.Report(output, "corruptions detected (vendor fuzz)", detected);
        Suite.Report(output, "largest allocation by one damaged vendor file (MiB)", largest >> 20);
        Assert.True(failures.Count == 0, string.Join("\n", [.. failures, Suite.Replay]));
    }

    [Fact]
    public async Task HostileRequestsGetAClientErrorAndTheServerKeepsServing()
    {
        using var disk = new DiskStore();
        var values = disk.Add("a", 8, 2000);
        await using var server = await Servers.StartAsync(disk.Store, o => o with { MaxOutputBytes = 16L << 20 });
        using var client = new ResifClient(Servers.Channel(server.Url)) { Deadline = Suite.HangLimit };
        var random = new Random(Suite.Seed);
        string[] operations = [.. Core.Operations.OperationRegistry.Default.Descriptors.Select(d => d.Name), "", "nope", "abs\0", new string('x', 5000)];
        var parameterNames = Core.Operations.OperationRegistry.Default.Descriptors.SelectMany(d => d.Parameters.Select(p => p.Name)).Distinct().ToArray();
        var statuses = new Dictionary<StatusCode, int>();
        var failures = new List<string>();
        int tried = Suite.Times(300), unparsable = 0;
        for (int i = 0; i < tried; i++)
        {
            var request = Generate(random, operations, parameterNames);
            if (i % 3 == 2)
            {
                // Byte-level damage to a valid message: what the parser refuses never reaches the server.
                var bytes = request.ToByteArray();
                for (int k = 0; k < 4 && bytes.Length > 0; k++) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                try
                {
                    request = V1.ReduceRequest.Parser.ParseFrom(bytes);
                }
                catch (InvalidProtocolBufferException)
                {
                    unparsable++;
                    continue;
                }
            }
            var status = await Servers.StatusOfAsync(() => client.ReduceAsync(request));
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status is not (StatusCode.OK or StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.ResourceExhausted))
                failures.Add($"{status} for {request}");
        }

        // Still serving, and still right.
        Assert.Equal(values, (await client.ReduceAsync(new V1.ReduceRequest { Array = "a" })).Data);
        Suite.Report(output, "fuzz inputs tried (requests)", tried);
        Suite.Report(output, "request outcomes", string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")) + $", unparsable {unparsable}");
        Assert.True(failures.Count == 0, string.Join("\n", [.. failures.Take(20), Suite.Replay]));
    }

    private static V1.ReduceRequest Generate(Random random, string[] operations, string[] parameterNames)
    {
        string[] names = ["a", "a", "a", "missing", "../a", "a/../../etc", "/etc/passwd", "a\0", "a\n", "", " ", new string('a', 300), "..", "A"];
        double[] numbers = [0, 1, -1, 0.5, 2, 10, 100, 1e300, -1e300, double.NaN, double.PositiveInfinity, double.Epsilon, 1e-300, 499, 500, 1000];
        long[] integers = [0, 1, -1, 2, 4, 7, 1000, long.MaxValue, long.MinValue, int.MaxValue, 1L << 40];
        V1.ParamValue Value() => random.Next(4) switch
        {
            0 => new V1.ParamValue { Number = numbers[random.Next(numbers.Length)] },
            1 => new V1.ParamValue { Integer = integers[random.Next(integers.Length)] },
            2 => new V1.ParamValue { Flag = random.Next(2) == 0 },
            _ => new V1.ParamValue { Text = random.Next(3) switch { 0 => "1;2;3", 1 => "NaN", _ => numbers[random.Next(numbers.Length)].ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        };
        var request = new V1.ReduceRequest
        {
            // Half the requests name the real array, so the operations and selections get exercised past the name check.
            Array = random.Next(2) == 0 ? "a" : names[random.Next(names.Length)],
            MaxOutputBytes = random.Next(4) == 0 ? integers[random.Next(integers.Length)] : 0,
        };
        if (random.Next(2) == 0)
            request.Selection = new V1.Selection
            {
                Channels = new V1.IndexRange { Start = integers[random.Next(integers.Length)], Stop = integers[random.Next(integers.Length)], Step = integers[random.Next(integers.Length)] },
                Time = new V1.TimeWindow { Start = numbers[random.Next(numbers.Length)], End = numbers[random.Next(numbers.Length)] },
            };
        for (int o = random.Next(5); o > 0; o--)
        {
            var op = new V1.Operation { Name = operations[random.Next(operations.Length)] };
            for (int p = random.Next(5); p > 0; p--) op.Params[random.Next(8) == 0 ? "bogus" : parameterNames[random.Next(parameterNames.Length)]] = Value();
            request.Operations.Add(op);
        }
        return request;
    }
}
