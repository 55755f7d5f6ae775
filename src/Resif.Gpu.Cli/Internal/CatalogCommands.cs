using System.Globalization;
using Google.Protobuf;
using Resif.Gpu.Server;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ListCommand : Command
{
    public override CommandSpec Spec { get; } = new("ls", "List the arrays of a store or a server.",
        "ls (--store DIR | --server URL)", [], ["--store", "--server"], []);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        using var access = ArrayAccess.Open(args);
        var arrays = await access.ListAsync(context.CancellationToken).ConfigureAwait(false);
        string[][] rows =
        [
            ["NAME", "SHAPE", "DURATION", "SIZE"],
            .. arrays.Select(a => new[] { a.Name, Format.Shape(a.Dims, a.Shape), Format.Duration(a), Format.Bytes(a.SizeBytes) }),
        ];
        Format.Table(context.Out, rows, rightAligned: [2, 3]);
        return CliApp.Success;
    }
}

internal sealed class InfoCommand : Command
{
    public override CommandSpec Spec { get; } = new("info", "Describe one array: dims, shape, coordinates, units, metadata.",
        "info NAME (--store DIR | --server URL) [--json]", ["NAME"], ["--store", "--server"], ["--json"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        using var access = ArrayAccess.Open(args);
        var info = await access.DescribeAsync(args.Positional(0), context.CancellationToken).ConfigureAwait(false);
        if (args.Flag("--json"))
        {
            context.Out.WriteLine(JsonFormatter.Default.Format(info));
            return CliApp.Success;
        }
        foreach (string line in Summary(info)) context.Out.WriteLine(line);
        return CliApp.Success;
    }

    /// <summary>What a user wants first: span in time and distance, rate, units, size, gaps; then the metadata.</summary>
    private static IEnumerable<string> Summary(V1.ArrayInfo info)
    {
        var ic = CultureInfo.InvariantCulture;
        yield return $"name:      {info.Name}";
        yield return $"shape:     {Format.Shape(info.Dims, info.Shape)} {ResultFiles.DtypeName(info.Dtype)}, {Format.Bytes(info.SizeBytes)} uncompressed";
        yield return $"units:     {info.Units}";
        foreach (var c in info.Coords)
        {
            if (c.Dim == "time" && c.Values.Count == 0)
            {
                double seconds = c.Length * c.Step;
                string span = DateTimeOffset.TryParse(c.Origin, ic, DateTimeStyles.AssumeUniversal, out var origin)
                    ? $", {origin.AddSeconds(c.Start).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", ic)} to {origin.AddSeconds(c.Start + seconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", ic)} UTC"
                    : "";
                yield return string.Create(ic, $"duration:  {seconds:G6} s{span}");
                yield return string.Create(ic, $"rate:      {1 / c.Step:G6} Hz ({c.Length} samples, step {c.Step:G6} s)");
            }
            else if (c.Dim == "channel" && c.Values.Count == 0)
            {
                double last = c.Start + (c.Length - 1) * c.Step;
                yield return string.Create(ic, $"channels:  {c.Length}, {c.Start:G6} to {last:G6} {c.Units} (spacing {c.Step:G6} {c.Units}, span {last - c.Start:G6} {c.Units})");
            }
            else
            {
                string values = c.Values.Count > 0 ? $"{c.Values.Count} explicit values" : string.Create(ic, $"start {c.Start:G6} {c.Units}, step {c.Step:G6} {c.Units}");
                yield return $"{c.Dim + ":",-10} {c.Length} ({values})";
            }
        }
        if (info.Metadata.TryGetValue("ingest_gaps", out string? gaps) && gaps.Length > 2)
        {
            int count = gaps.Split("\"start\"").Length - 1;
            yield return $"gaps:      {count} (filled with NaN; see ingest_gaps)";
        }
        if (info.Metadata.Count > 0) yield return "metadata:";
        foreach (var (key, value) in info.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            yield return $"  {key} = {(value.Length > 100 ? value[..97] + "..." : value)}";
        }
    }
}

internal sealed class DevicesCommand : Command
{
    public override CommandSpec Spec { get; } = new("devices", "List the compute devices found here, and why any is unusable.",
        "devices [--json]", [], [], ["--json"]);

    public override Task<int> RunAsync(Arguments args, CliContext context)
    {
        var devices = BackendProviders.Quiet.Devices;
        if (args.Flag("--json"))
        {
            var response = new V1.ListDevicesResponse();
            response.Devices.Add(devices.Select(Server.Internal.ProtoMapping.ToProto));
            context.Out.WriteLine(JsonFormatter.Default.Format(response));
            return Task.FromResult(CliApp.Success);
        }
        string[][] rows =
        [
            ["ID", "KIND", "USABLE", "NAME", "NOTES"],
            .. devices.Select(d => new[] { d.Id, d.Kind, d.Usable ? "yes" : "no", d.Name, d.Reason }),
        ];
        Format.Table(context.Out, rows);
        return Task.FromResult(CliApp.Success);
    }
}

/// <summary>Human-readable sizes and shapes for tables and summaries.</summary>
internal static class Format
{
    /// <summary>Columns padded to their widest cell, two spaces apart; the last column is not padded.</summary>
    public static void Table(TextWriter output, string[][] rows, IReadOnlyCollection<int>? rightAligned = null)
    {
        int columns = rows[0].Length;
        int[] widths = Enumerable.Range(0, columns).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, i) => i == columns - 1 && rightAligned?.Contains(i) != true ? cell
                : rightAligned?.Contains(i) == true ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            output.WriteLine(string.Join("  ", cells));
        }
    }

    public static string Shape(IEnumerable<string> dims, IEnumerable<long> shape) =>
        string.Join(" x ", dims.Zip(shape, (d, n) => $"{n} {d}"));

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 10):F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B"),
    };

    public static string Duration(V1.ArrayInfo info)
    {
        var time = info.Coords.FirstOrDefault(c => c.Dim == "time");
        return time is null || time.Values.Count > 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{time.Length * time.Step:G6} s");
    }
}
