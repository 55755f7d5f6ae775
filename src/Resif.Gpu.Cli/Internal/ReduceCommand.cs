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
        "--out FILE.nc writes NetCDF-3 for xarray (xr.open_dataset(FILE, engine=\"scipy\")) instead: coordinates as variables, time\n" +
        "as datetime, provenance as an attribute; a complex result becomes two variables 'real' and 'imag'.\n" +
        "--dtype asks for float32 (default), float16, int16 (value = int16 x scale_factor, written to FILE.json; --int16-scale S\n" +
        "fixes S, otherwise the server picks max|value|/32767) or complex64 (complex results); the .npy holds that dtype.\n" +
        "--compress zstd (with --server) has the server compress chunks on the wire (those zstd shrinks by a tenth).\n" +
        "--device (with --store) picks the compute device (see 'resif-gpu devices'). --plot FILE.png draws the result:\n" +
        "an FK spectrum for fk, beam power for beam, curves for stalta and arraybeam, a waterfall otherwise.\n" +
        "Operations (parameter=default; no default = required):\n" + string.Concat(OperationRegistry.Default.Descriptors.Select(d =>
            $"  {d.Name}: {string.Join(", ", d.Parameters.Select(p => p.Default is null ? p.Name : $"{p.Name}={p.Default}"))}\n")),
        "reduce NAME (--store DIR | --server URL) [--op SPEC ...] [--channels A:B[:STEP]] [--time T0:T1] --out FILE.npy|FILE.nc\n" +
        "       [--dtype float32|float16|int16|complex64] [--int16-scale S] [--compress none|zstd]\n" +
        "       [--device auto|cpu|ilgpu-cpu|cuda|opencl|ID] [--plot FILE.png]",
        ["NAME"], ["--store", "--server", "--channels", "--time", "--out", "--device", "--plot", "--dtype", "--int16-scale", "--compress"], [], ["--op"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        string output = args.Required("--out");
        var request = BuildRequest(args.Positional(0), args.Values("--op"), args.Value("--channels"), args.Value("--time"));
        SetOutputType(request, args.Value("--dtype"), args.Double("--int16-scale"));
        string? device = args.Value("--device");
        bool remote = args.Value("--server") is not null;
        if (device is not null && remote)
            throw new UsageException("--device applies with --store only; a server uses the device it was started with");
        request.Compression = args.Value("--compress") switch
        {
            null or "none" => V1.Compression.None,
            "zstd" when remote => V1.Compression.Zstd,
            "zstd" => throw new UsageException("--compress applies with --server only (nothing travels with --store)"),
            var other => throw new UsageException($"--compress '{other}' is not none or zstd"),
        };
        if (args.Value("--plot") is not null && (ResultFiles.IsNetCdf(output) || request.OutputDtype is V1.DataType.Float16 or V1.DataType.Int16))
            throw new UsageException("--plot draws float32 or complex64 results written to FILE.npy");

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

    private static void SetOutputType(V1.ReduceRequest request, string? dtype, double? int16Scale)
    {
        request.OutputDtype = dtype switch
        {
            null => V1.DataType.Unspecified,
            "float32" => V1.DataType.Float32,
            "float16" => V1.DataType.Float16,
            "int16" => V1.DataType.Int16,
            "complex64" => V1.DataType.Complex64,
            _ => throw new UsageException($"--dtype '{dtype}' is not float32, float16, int16 or complex64"),
        };
        if (int16Scale is { } scale)
        {
            if (request.OutputDtype != V1.DataType.Int16) throw new UsageException("--int16-scale applies with --dtype int16 only");
            if (!(scale > 0)) throw new UsageException("--int16-scale must be > 0");
            request.Int16Scale = scale;
        }
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
