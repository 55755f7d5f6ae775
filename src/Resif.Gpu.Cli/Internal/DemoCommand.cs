using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Client;
using Resif.Gpu.Cli.Internal.Plotting;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Internal;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// The end-to-end slice with no setup: a synthetic DAS array in a local store, a real gRPC server on a free loopback
/// port, a reduction through the C# client, and the result as .npy + .json + before/after waterfalls.
/// </summary>
internal sealed class DemoCommand : Command
{
    public const string ArrayName = "demo";

    /// <summary>The demo pipeline: 2–20 Hz zero-phase bandpass, then 1 kHz → 100 Hz.</summary>
    public static readonly string[] Pipeline = ["bandpass:freqmin=2,freqmax=20,corners=4,zerophase=true", "decimate:factor=10"];

    /// <summary>Short-term 0.1 s over long-term 2 s: the local event's onset, not the continuous plane waves.</summary>
    private const string StaLta = "stalta:sta=0.1,lta=2";

    // --channels and --seconds are left out of the help on purpose: they exist so tests can run a smaller demo.
    public override CommandSpec Spec { get; } = new("demo",
        "The end-to-end demo on a synthetic DAS array, with no setup.\n" +
        "Creates the array (500 channels x 60 s at 1 kHz, 4 m spacing: noise, a 0.2 Hz drift, plane waves at +1500 and -3000 m/s,\n" +
        "a local event) in the store (default ./data/store) if missing, serves it on a loopback port, reduces it through the C# client\n" +
        $"({string.Join(" | ", Pipeline)}), and writes result.npy, result.json,\n" +
        "raw.png and reduced.png (waterfalls), fk.png (FK of the raw array with the two velocities) and stalta.png to --out\n" +
        "(default ./demo-out). --device picks the server's compute device (default auto).\n" +
        "--open keeps the server running afterwards with the browser viewer (on --web-port, default a free port) and prints its URL.",
        "demo [--out DIR] [--store DIR] [--device auto|cpu|ilgpu-cpu|cuda|opencl] [--open [--web-port N]]", [],
        ["--out", "--store", "--device", "--channels", "--seconds", "--web-port"], ["--open"]);

    public override async Task<int> RunAsync(Arguments args, CliContext context)
    {
        var clock = Stopwatch.StartNew();
        string outDir = Path.GetFullPath(args.Value("--out") ?? "demo-out");
        string storeDir = Path.GetFullPath(args.Value("--store") ?? Path.Combine("data", "store"));
        var scene = SyntheticScenes.Demo(channels: args.Int("--channels") ?? 500, seconds: args.Double("--seconds") ?? 60);
        Directory.CreateDirectory(outDir);
        Directory.CreateDirectory(storeDir);
        var store = new ArrayStore(storeDir);

        if (!store.List().Contains(ArrayName))
        {
            context.Out.WriteLine($"creating synthetic array '{ArrayName}' ({scene.Channels} channels x {scene.Seconds:G} s at {scene.SamplingRate:G} Hz) in {storeDir}");
            var origin = scene.Origin;
            using var progress = TerminalProgress.Start(context, "creating", scene.Channels * scene.Samples * 4.0);
            ArrayWriting.Write(store, ArrayName, scene.Channels, scene.Samples,
                new ArrayCoordinates(scene.TimeStep, origin, 0, scene.ChannelSpacing, scene.Units),
                new Dictionary<string, string>
                {
                    ["source"] = "resif-gpu demo (synthetic)",
                    ["plane_wave_velocities_m_s"] = string.Create(CultureInfo.InvariantCulture, $"{SyntheticScenes.DemoForwardVelocity},{SyntheticScenes.DemoBackwardVelocity}"),
                },
                (start, count, destination) => scene.Fill(0, scene.Channels, start, count, destination),
                written => progress.Report(written * scene.Channels * 4.0), context.CancellationToken);
        }

        bool open = args.Flag("--open");
        var serverOptions = new ResifServerOptions
        {
            Store = store,
            Device = args.Value("--device") ?? "auto",
            BackendProvider = BackendProviders.Quiet,
            WebPort = open ? args.Int("--web-port") ?? 0 : null,
        };
        await using var server = await ResifServer.StartAsync(serverOptions, context.CancellationToken).ConfigureAwait(false);
        using var client = new ResifClient(server.Url);
        context.Out.WriteLine($"server listening at {server.Url}");

        var request = ReduceCommand.BuildRequest(ArrayName, Pipeline, channels: null, time: null);
        string resultPath = Path.Combine(outDir, "result.npy");
        var reduceClock = Stopwatch.StartNew();
        var (header, trailer) = await ResultFiles.WriteAsync(client.ReduceStreamAsync(request, context.CancellationToken), resultPath, context.CancellationToken)
            .ConfigureAwait(false);
        double reduceSeconds = reduceClock.Elapsed.TotalSeconds;

        var info = store.Describe(ArrayName);
        var coords = ProtoMapping.ToProto(info).Coords;
        using (var source = store.Open(ArrayName))
        {
            long samples = info.Layout.Shape[1];
            File.WriteAllBytes(Path.Combine(outDir, "raw.png"), Waterfall.Render(info.Layout.Shape[0], samples,
                (first, count, destination) => source.Read(first, count, 1, 0, samples, destination),
                PlotAxis.From(coords[1], origin: ""), PlotAxis.From(coords[0]), $"{ArrayName}: raw", info.Layout.Units, nonNegative: false));
        }
        ResultFiles.WritePlot(header, resultPath, Path.Combine(outDir, "reduced.png"), $"{ArrayName}: {string.Join(" | ", Pipeline.Select(p => p.Split(':')[0]))}");

        // FK of the raw array over its first 10 s: the plane waves are lines f = v|k| at their two velocities.
        string fkPath = Path.Combine(outDir, "fk.npy");
        var fk = await ResultFiles.WriteAsync(client.ReduceStreamAsync(
            ReduceCommand.BuildRequest(ArrayName, ["fk"], channels: null, time: string.Create(CultureInfo.InvariantCulture, $"0:{Math.Min(10, scene.Seconds)}")),
            context.CancellationToken), fkPath, context.CancellationToken).ConfigureAwait(false);
        ResultFiles.WritePlot(fk.Header, fkPath, Path.Combine(outDir, "fk.png"), $"{ArrayName}: raw, first 10 s",
            [Math.Abs(SyntheticScenes.DemoForwardVelocity), Math.Abs(SyntheticScenes.DemoBackwardVelocity)]);

        // STA/LTA of four channels across the array: the local event in the middle of the record stands out.
        string staltaPath = Path.Combine(outDir, "stalta.npy");
        var stalta = await ResultFiles.WriteAsync(client.ReduceStreamAsync(
            ReduceCommand.BuildRequest(ArrayName, [Pipeline[0], StaLta], channels: $"0:{scene.Channels}:{Math.Max(1, scene.Channels / 4)}", time: null),
            context.CancellationToken), staltaPath, context.CancellationToken).ConfigureAwait(false);
        ResultFiles.WritePlot(stalta.Header, staltaPath, Path.Combine(outDir, "stalta.png"), $"{ArrayName}: bandpass | {StaLta}");

        context.Out.Write(string.Create(CultureInfo.InvariantCulture, $"""
            pipeline:   {string.Join(" | ", Pipeline)}
            input:      {Format.Shape(info.Layout.Dims, info.Layout.Shape)} float32 ({Format.Bytes(trailer.InputBytes)})
            output:     {Format.Shape(header.Dims, header.Shape)} {ResultFiles.DtypeName(header.Dtype)} ({Format.Bytes(trailer.TotalBytes)})
            reduction:  {(double)trailer.InputBytes / trailer.TotalBytes:F1}x
            throughput: {trailer.InputBytes / 4.0 / 1e6 / trailer.ElapsedSeconds:F1} MS/s on the server ({trailer.ElapsedSeconds:F2} s), {reduceSeconds:F2} s end to end
            backend:    {header.Backend} ({header.Device})
            wrote:      {resultPath}, result.json, raw.png, reduced.png, fk.png, stalta.png (and their .npy/.json) in {outDir}
            elapsed:    {clock.Elapsed.TotalSeconds:F1} s

            """));
        if (open) await ServeViewerAsync(server, context).ConfigureAwait(false);
        return CliApp.Success;
    }

    private static async Task ServeViewerAsync(ResifServer server, CliContext context)
    {
        context.Out.WriteLine($"viewer:     {server.WebUrl}/ (open it in a browser; gRPC stays at {server.Url}); Ctrl-C to stop");
        await context.Out.FlushAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            // Ctrl-C cancels the token; SIGTERM (kill, systemd, docker stop) stops the host, which ends this wait too.
            await server.WaitForShutdownAsync(context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Out.WriteLine("stopping");
        }
    }
}
