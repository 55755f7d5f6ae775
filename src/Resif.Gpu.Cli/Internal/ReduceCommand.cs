using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ReduceCommand : Command
{
    public override CommandSpec Spec { get; } = new("reduce",
        "Run a pipeline next to the data and write FILE.npy (C order) and FILE.json (dims, coordinates, provenance).\n" +
        "With --store it runs in this process, with --server on the server: the files are the same bytes either way.\n" +
        "SPEC is name:key=value,... e.g. --op bandpass:freqmin=2,freqmax=20 --op decimate:factor=10.\n" +
        "--channels A:B[:STEP] selects channel indices [A, B); --time T0:T1 seconds after the first sample (empty = to the end).\n" +
        "--device (with --store) picks the compute device (see 'resif-gpu devices'). --plot FILE.png draws the result:\n" +
        "an FK spectrum for fk, beam power for beam, curves for stalta and arraybeam, a waterfall otherwise.\n" +
        "Operations (parameter=default; no default = required):\n" + string.Concat(OperationRegistry.Default.Descriptors.Select(d =>
            $"  {d.Name}: {string.Join(", ", d.Parameters.Select(p => p.Default is null ? p.Name : $"{p.Name}={p.Default}"))}\n")),
        "reduce NAME (--store DIR | --server URL) [--op SPEC ...] [--channels A:B[:STEP]] [--time T0:T1] --out FILE.npy\n       [--device auto|cpu|ilgpu-cpu|cuda|opencl|ID] [--plot FILE.png]",
        ["NAME"], ["--store", "--server", "--channels", "--time", "--out", "--device", "--plot"], [], ["--op"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        string output = args.Required("--out");
        var request = BuildRequest(args.Positional(0), args.Values("--op"), args.Value("--channels"), args.Value("--time"));
        string? device = args.Value("--device");
        if (device is not null && args.Value("--server") is not null)
            throw new UsageException("--device applies with --store only; a server uses the device it was started with");

        var clock = Stopwatch.StartNew();
        using var access = ArrayAccess.Open(args, device ?? "auto");
        V1.ResultHeader header;
        V1.ResultTrailer trailer;
        using (var progress = TerminalProgress.Start(context, "reduce", 0))
        {
            (header, trailer) = await ResultFiles.WriteAsync(access.Reduce(request, context.CancellationToken), output, context.CancellationToken, progress)
                .ConfigureAwait(false);
        }
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output} ({Format.Shape(header.Dims, header.Shape)} {ResultFiles.DtypeName(header.Dtype)}, {Format.Bytes(trailer.TotalBytes)}) " +
            $"from {Format.Bytes(trailer.InputBytes)} in {clock.Elapsed.TotalSeconds:F2} s on {header.Backend}"));
        if (args.Value("--plot") is { } plot)
        {
            string title = $"{header.Array}: {(request.Operations.Count == 0 ? "raw" : string.Join(" | ", header.Provenance.Select(p => p.Name)))}";
            ResultFiles.WritePlot(header, output, plot, title);
            context.Out.WriteLine($"wrote {plot}");
        }
        return CliApp.Success;
    }

    public static V1.ReduceRequest BuildRequest(string array, IEnumerable<string> operations, string? channels, string? time)
    {
        var request = new V1.ReduceRequest { Array = array, Selection = new V1.Selection() };
        request.Operations.Add(operations.Select((spec, i) => ProtoMapping.ToProto(OperationRequest.Parse(spec, i))));
        if (channels is not null) request.Selection.Channels = ParseChannels(channels);
        if (time is not null) request.Selection.Time = ParseTime(time);
        return request;
    }

    private static V1.IndexRange ParseChannels(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3) throw new UsageException($"--channels '{text}' is not A:B or A:B:STEP");
        return new V1.IndexRange
        {
            Start = ParseLong(parts[0], 0, text),
            Stop = ParseLong(parts[1], 0, text),
            Step = parts.Length == 3 ? ParseLong(parts[2], 1, text) : 1,
        };
    }

    private static V1.TimeWindow ParseTime(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2) throw new UsageException($"--time '{text}' is not T0:T1 (seconds)");
        return new V1.TimeWindow { Start = ParseDouble(parts[0], text), End = ParseDouble(parts[1], text) };
    }

    private static long ParseLong(string part, long empty, string whole) => part.Length == 0 ? empty
        : long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v
        : throw new UsageException($"--channels '{whole}': '{part}' is not an integer");

    private static double ParseDouble(string part, string whole) => part.Length == 0 ? 0
        : double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
        : throw new UsageException($"--time '{whole}': '{part}' is not a number of seconds");
}
