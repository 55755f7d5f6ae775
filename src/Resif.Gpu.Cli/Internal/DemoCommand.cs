using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Client;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Server;
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

    // --channels and --seconds are left out of the help on purpose: they exist so tests can run a smaller demo.
    public override CommandSpec Spec { get; } = new("demo",
        "The end-to-end demo on a synthetic DAS array, with no setup.\n" +
        "Creates the array (500 channels x 60 s at 1 kHz, 4 m spacing: noise, a 0.2 Hz drift, plane waves at +1500 and -3000 m/s,\n" +
        "a local event) in the store (default ./data/store) if missing, serves it on a loopback port, reduces it through the C# client\n" +
        $"({string.Join(" | ", Pipeline)}), and writes result.npy, result.json,\n" +
        "raw.png and reduced.png to --out (default ./demo-out).\n" +
        "--open keeps the server running afterwards with the browser viewer (on --web-port, default a free port) and prints its URL.",
        "demo [--out DIR] [--store DIR] [--open [--web-port N]]", [], ["--out", "--store", "--channels", "--seconds", "--web-port"], ["--open"]);

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
            ArrayWriting.Write(store, ArrayName, scene.Channels, scene.Samples,
                new ArrayCoordinates(scene.TimeStep, origin, 0, scene.ChannelSpacing, scene.Units),
                new Dictionary<string, string>
                {
                    ["source"] = "resif-gpu demo (synthetic)",
                    ["plane_wave_velocities_m_s"] = string.Create(CultureInfo.InvariantCulture, $"{SyntheticScenes.DemoForwardVelocity},{SyntheticScenes.DemoBackwardVelocity}"),
                },
                (start, count, destination) => scene.Fill(0, scene.Channels, start, count, destination),
                context.Error, context.CancellationToken);
        }

        bool open = args.Flag("--open");
        var serverOptions = new ResifServerOptions { Store = store, WebPort = open ? args.Int("--web-port") ?? 0 : null };
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
        using (var source = store.Open(ArrayName))
        {
            long samples = info.Layout.Shape[1];
            File.WriteAllBytes(Path.Combine(outDir, "raw.png"), Waterfall.RenderPng(info.Layout.Shape[0], samples,
                (first, count, destination) => source.Read(first, count, 1, 0, samples, destination)));
        }
        var (shape, _, values) = NpyFile.Read(resultPath);
        File.WriteAllBytes(Path.Combine(outDir, "reduced.png"), Waterfall.RenderPng(shape[0], shape[1],
            (first, count, destination) => values.AsSpan((int)(first * shape[1]), (int)(count * shape[1])).CopyTo(destination)));

        context.Out.Write(string.Create(CultureInfo.InvariantCulture, $"""
            pipeline:   {string.Join(" | ", Pipeline)}
            input:      {Format.Shape(info.Layout.Dims, info.Layout.Shape)} float32 ({Format.Bytes(trailer.InputBytes)})
            output:     {Format.Shape(header.Dims, header.Shape)} {ResultFiles.DtypeName(header.Dtype)} ({Format.Bytes(trailer.TotalBytes)})
            reduction:  {(double)trailer.InputBytes / trailer.TotalBytes:F1}x
            throughput: {trailer.InputBytes / 4.0 / 1e6 / trailer.ElapsedSeconds:F1} MS/s on the server ({trailer.ElapsedSeconds:F2} s), {reduceSeconds:F2} s end to end
            backend:    {header.Backend} ({header.Device})
            wrote:      {resultPath}, result.json, raw.png, reduced.png in {outDir}
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
