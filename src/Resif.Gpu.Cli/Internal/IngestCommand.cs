using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

internal sealed class IngestCommand : Command
{
    public override CommandSpec Spec { get; } = new("ingest",
        "Store a float32 .npy [channel, time] as a new array, streamed in time blocks so memory stays bounded.\n" +
        "--dt sample interval (s, default 0.001), --dx channel spacing (m, default 1), --t0 ISO 8601 start, --units of the values.",
        "ingest FILE.npy --store DIR --name NAME [--dt S] [--dx M] [--t0 ISO8601] [--units U]",
        ["FILE.npy"], ["--store", "--name", "--dt", "--dx", "--t0", "--units"], []);

    public override Task<int> RunAsync(Arguments args, CliContext context)
    {
        string file = args.Positional(0);
        string name = args.Required("--name");
        double dt = args.Double("--dt") ?? 0.001, dx = args.Double("--dx") ?? 1;
        if (dt <= 0) throw new InvalidRequestException("dt", $"must be positive, got {dt}");
        var t0 = args.Value("--t0") is { } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
                : throw new UsageException($"--t0 '{text}' is not an ISO 8601 time")
            : DateTimeOffset.UnixEpoch;
        var store = new ArrayStore(args.Required("--store"));

        using var stream = File.OpenRead(file);
        var (shape, type) = NpyFile.ReadHeader(stream, file);
        if (shape.Length != 2 || type != ElementType.Float32) throw new InvalidDataException($"{file}: expected a 2-D float32 [channel, time] array, got {type} ({string.Join(", ", shape)})");
        long channels = shape[0], samples = shape[1], dataStart = stream.Position;

        ArrayWriting.Write(store, name, channels, samples, new ArrayCoordinates(dt, t0, 0, dx, args.Value("--units") ?? "strain_rate"),
            new Dictionary<string, string> { ["source_file"] = Path.GetFileName(file) },
            (start, count, destination) =>
            {
                // Each channel's slice of the block is contiguous in the C-order file.
                for (long c = 0; c < channels; c++)
                {
                    stream.Position = dataStart + (c * samples + start) * sizeof(float);
                    stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination.AsSpan((int)(c * count), count)));
                }
            }, context.Error, context.CancellationToken);
        context.Out.WriteLine($"ingested {file} as '{name}': {channels} channels x {samples} samples ({Format.Bytes(channels * samples * 4.0)})");
        return Task.FromResult(CliApp.Success);
    }
}
