using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Ingest;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

internal sealed class IngestCommand : Command
{
    private const string GapsKey = "ingest_gaps", OverlapsKey = "ingest_overlaps";

    /// <summary>
    /// zstd level of arrays an ingest creates. Level 1 rather than the store's 3: on int16 PRODML counts stored as
    /// float32 it compresses about as well and writes faster, and the writer is most of an ingest's CPU (bench/README, "Ingest").
    /// </summary>
    public const int DefaultZstdLevel = 1;

    public override CommandSpec Spec { get; } = new("ingest",
        "Store vendor DAS files (PRODML, Silixa HDF5/TDMS, Terra15, OptoDAS, Febus, AP Sensing, GDR, DASDAE, xdas NetCDF,\n" +
        "SEG-Y, miniSEED; detected from the content, --format to force one) or one float32 .npy [channel, time] as an array.\n" +
        "FILES may be files, folders (every file inside, sorted) or globs ('raw/*.h5'). The files of one acquisition are\n" +
        "joined along time in start-time order; all must share channel count, spacing and sampling rate (else the file is\n" +
        "named and nothing is written). Gaps are filled with NaN and listed in the metadata (ingest_gaps); where files overlap\n" +
        "the later file wins (ingest_overlaps). If NAME exists the files are appended as new fragments after its end\n" +
        "(samples before that end are already stored and kept; a failed append removes what it wrote). Vendor metadata (gauge length, interrogator, units...) goes\n" +
        "into the array metadata. Written in time blocks: memory stays bounded whatever the file sizes.\n" +
        "--stations FILE (StationXML, or CSV network,station,location,channel,latitude,longitude,elevation): a miniSEED network\n" +
        "becomes stations x time with each station's latitude/longitude/elevation and its km east/north of the array centre\n" +
        "(ObsPy's lonlat geometry) in the metadata, ';'-separated as arraybeam's x_km/y_km take them; a missing station is named.\n" +
        ".npy only: --dt sample interval (s, default 0.001), --dx channel spacing (m, default 1), --t0 ISO 8601 start, --units.\n" +
        $"--zstd-level N ({ArrayStore.MinZstdLevel}-{ArrayStore.MaxZstdLevel}, default {DefaultZstdLevel}): zstd level of a new array, after a byte shuffle (higher: smaller, slower to write; reads alike);\n" +
        $"--filters SPEC: the new array's whole TileDB filter pipeline instead (default shuffle+zstd:{DefaultZstdLevel}, one chunk per tile, its frames checksummed), {ArrayStore.DataFiltersSyntax};\n" +
        "e.g. 'zstd:3' (no shuffle: smaller on some decimated float32 data), 'shuffle+zstd:3+sha256' (a checksum filter TileDB tools see), 'lz4+sha256' or 'sha256' (faster reductions), 'none'.\n" +
        "An append keeps the array's own filters.",
        "ingest FILES... --store DIR --name NAME [--format F] [--stations FILE] [--zstd-level N | --filters SPEC] | ingest FILE.npy --store DIR --name NAME [--dt S] [--dx M] [--t0 ISO8601] [--units U] [--zstd-level N | --filters SPEC]",
        ["FILES"], ["--store", "--name", "--format", "--stations", "--dt", "--dx", "--t0", "--units", "--zstd-level", "--filters"], [], LastPositionalRepeats: true);

    public override Task<int> RunAsync(Arguments args, CliContext context)
    {
        var files = InputFiles.Expand(args.PositionalsFrom(0));
        string name = args.Required("--name");
        var store = new ArrayStore(args.Required("--store"));
        bool npy = files.Count == 1 && files[0].EndsWith(".npy", StringComparison.OrdinalIgnoreCase) && args.Value("--format") is null;
        if (!npy && new[] { "--dt", "--dx", "--t0", "--units" }.FirstOrDefault(o => args.Value(o) is not null) is { } option)
            throw new UsageException($"{option} applies to a .npy input only; vendor files carry their own coordinates");
        if (npy && args.Value("--stations") is not null) throw new UsageException("--stations applies to miniSEED station networks, not to a .npy input");
        if (args.Value("--filters") is not null && args.Value("--zstd-level") is not null)
            throw new UsageException("--zstd-level and --filters both set the new array's compression: give one");
        var filters = args.Value("--filters") is { } spec ? ArrayStore.ParseDataFilters(spec) : ArrayStore.DataFilters(args.Int("--zstd-level") ?? DefaultZstdLevel);
        return Task.FromResult(npy ? IngestNpy(args, files[0], store, name, filters, context)
            : IngestVendor(files, args.Value("--format"), args.Value("--stations"), store, name, filters, context));
    }

    private static int IngestNpy(Arguments args, string file, ArrayStore store, string name, TileDbFilterPipeline filters, CliContext context)
    {
        double dt = args.Double("--dt") ?? 0.001, dx = args.Double("--dx") ?? 1;
        if (dt <= 0) throw new InvalidRequestException("dt", $"must be positive, got {dt}");
        var t0 = args.Value("--t0") is { } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
                : throw new UsageException($"--t0 '{text}' is not an ISO 8601 time")
            : DateTimeOffset.UnixEpoch;

        using var stream = File.OpenRead(file);
        var (shape, type) = NpyFile.ReadHeader(stream, file);
        if (shape.Length != 2 || type != ElementType.Float32) throw new InvalidDataException($"{file}: expected a 2-D float32 [channel, time] array, got {type} ({string.Join(", ", shape)})");
        long channels = shape[0], samples = shape[1], dataStart = stream.Position;

        using (var progress = TerminalProgress.Start(context, "ingest", channels * samples * 4.0))
        {
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
                }, written => progress.Report(written * channels * 4.0), context.CancellationToken, filters);
        }
        context.Out.WriteLine($"ingested {file} as '{name}': {channels} channels x {samples} samples ({Format.Bytes(channels * samples * 4.0)})");
        return CliApp.Success;
    }

    private static int IngestVendor(IReadOnlyList<string> paths, string? format, string? stations, ArrayStore store, string name,
        TileDbFilterPipeline filters, CliContext context)
    {
        var clock = Stopwatch.StartNew();
        ArrayInfo? existing = store.List().Contains(name) ? store.Describe(name) : null;
        if (existing is not null && stations is not null)
            throw new UsageException($"--stations sets the geometry of a new array; '{name}' exists and keeps its own");
        var plan = AcquisitionPlan.Build(paths, format, existing);
        var reference = plan.Reference;
        var metadata = existing is null ? Metadata(plan) : null;
        if (stations is not null)
        {
            var ids = reference.Distance.Labels ?? throw new UsageException($"--stations needs files whose channels are named stations (miniSEED); {reference.Format} files are not");
            foreach (var (key, value) in StationGeometry.Metadata(ids, StationTable.Load(stations), plan.Origin)) metadata![key] = value;
        }
        long channels = reference.Channels, samples = plan.End - plan.First;
        double bytes = channels * Math.Max(0, samples) * 4.0;

        if (samples > 0)
        {
            using var progress = TerminalProgress.Start(context, "ingest", bytes);
            ArrayWriting.ProgressReporter report = written =>
                progress.Report(written * channels * 4.0, $"{plan.FilesBefore(plan.First + written)}/{plan.Files.Count} files");
            if (existing is null)
            {
                ArrayWriting.Write(store, name, channels, samples, Coordinates(plan), metadata!, plan.Fill, report, context.CancellationToken, filters);
            }
            else
            {
                ArrayWriting.Append(store, name, channels, plan.First, plan.End, plan.Fill, report, context.CancellationToken);
            }
        }
        if (existing is not null && (plan.Gaps.Count > 0 || plan.Overlaps.Count > 0))
        {
            TileDbWriter.WriteMetadata(store.PathOf(name), new Dictionary<string, TileDbMetadataValue>
            {
                [GapsKey] = TileDbMetadataValue.FromString(plan.GapsJson(existing.Metadata.GetValueOrDefault(GapsKey))),
                [OverlapsKey] = TileDbMetadataValue.FromString(plan.OverlapsJson(existing.Metadata.GetValueOrDefault(OverlapsKey))),
            });
        }

        double seconds = clock.Elapsed.TotalSeconds;
        string verb = existing is null ? "ingested" : "appended";
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{verb} {plan.Files.Count} {string.Join("+", plan.Files.Select(f => f.Reader.Format).Distinct())} file(s) as '{name}': {channels} channels x {Math.Max(0, samples)} samples " +
            $"({Format.Bytes(bytes)}, {Math.Max(0, samples) * plan.TimeStep:G6} s from {plan.TimeOf(plan.First):O}) in {seconds:F2} s " +
            $"({Format.Bytes(bytes / Math.Max(seconds, 1e-3))}/s, {plan.Files.Count / Math.Max(seconds, 1e-3):F1} files/s)"));
        foreach (var gap in plan.Gaps)
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gap:     {gap.Count * plan.TimeStep:G6} s ({gap.Count} samples) at {plan.TimeOf(gap.Start):O} between {gap.After} and {gap.Before}, filled with NaN"));
        }
        foreach (var overlap in plan.Overlaps)
        {
            string rule = overlap.Start < plan.First ? $"kept the stored samples, skipped those of {overlap.Later}" : $"kept {overlap.Later} (the later file wins)";
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"overlap: {overlap.Count * plan.TimeStep:G6} s ({overlap.Count} samples) at {plan.TimeOf(overlap.Start):O} between {overlap.Earlier} and {overlap.Later}: {rule}"));
        }
        return CliApp.Success;
    }

    private static ArrayCoordinates Coordinates(AcquisitionPlan plan)
    {
        var distance = plan.Reference.Distance;
        double step = distance.Length > 1 ? (distance.ValueAt(distance.Length - 1) - distance.ValueAt(0)) / (distance.Length - 1) : distance.Step;
        return new ArrayCoordinates(plan.TimeStep, plan.Origin, distance.ValueAt(0), step,
            plan.Reference.DataUnits.Length > 0 ? plan.Reference.DataUnits : "unknown", distance.Units.Length > 0 ? distance.Units : "m");
    }

    /// <summary>The vendor's metadata, the format and files, the joining record, and what a regular axis cannot hold.</summary>
    private static Dictionary<string, string> Metadata(AcquisitionPlan plan)
    {
        var reference = plan.Reference;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in reference.Metadata)
        {
            // Keys the store keeps for coordinates (dt, t0, units...) are renamed rather than lost.
            metadata[ArrayMetadataKeys.IsReserved(key) || key.Length == 0 ? $"vendor.{key}" : key] = value;
        }
        metadata["format"] = reference.Format;
        metadata["raw_dtype"] = reference.RawDtype;
        metadata["source_files"] = string.Join(",", plan.Files.Select(f => f.Name));
        metadata[GapsKey] = plan.GapsJson(null);
        metadata[OverlapsKey] = plan.OverlapsJson(null);
        var distance = reference.Distance;
        if (!distance.IsRegular)
        {
            metadata["distance_values"] = string.Join(",", distance.Values!.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        }
        if (distance.Labels is { Count: > 0 } labels) metadata["channel_labels"] = string.Join(",", labels);
        return metadata;
    }
}

/// <summary>Keys the store reserves for coordinates (see <see cref="ArrayStore"/>).</summary>
internal static class ArrayMetadataKeys
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "dt", "t0", "x0", "dx", "units", "distance_units", "samples" };

    public static bool IsReserved(string key) => Reserved.Contains(key);
}

/// <summary>Command-line inputs to files: folders give their files (sorted), globs match names in their folder.</summary>
internal static class InputFiles
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
            }
            else if (input.IndexOfAny(['*', '?']) >= 0)
            {
                string folder = Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
                if (folder.IndexOfAny(['*', '?']) >= 0) throw new UsageException($"'{input}': wildcards are supported in file names only, not in folders");
                var matches = Directory.Exists(folder)
                    ? Directory.EnumerateFiles(folder, Path.GetFileName(input)).Order(StringComparer.Ordinal).ToList() : [];
                if (matches.Count == 0) throw new FileNotFoundException($"'{input}' matches no file");
                files.AddRange(matches);
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new FileNotFoundException($"'{input}': no such file or folder");
            }
        }
        if (files.Count == 0) throw new UsageException("no input files (the folders given are empty)");
        return files.Distinct().ToList();
    }
}
