using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Backends.Internal;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Server;
using Resif.Gpu.Storage;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Bench;

/// <summary>
/// Our half of bench/side-by-side.sh: the operations of ../shared/bench-peers/scipy_peer.py on the very block the
/// peer used (saved as .npy), timed best-of-N with wall and process CPU time, one JSON line per case. The first
/// channels of every output (and FK/beam on a small sub-block) are saved so that side_by_side.py can compare
/// them with SciPy computed independently.
/// </summary>
internal sealed class SideBySide
{
    public const string Usage = "--block BLOCK.npy --out DIR [--fs 1000] [--dx 10] [--win 10] [--repeats 3] [--beam-channels N] [--ops bandpass,decimate,fk,beam,e2e] [--executor-blocks 32,16,8,4,2] [--store-filters default,default:skip-checksums,lz4+sha256,none]";

    // Same parameters as scipy_peer.py's defaults.
    private const double BandLow = 1, BandHigh = 40, VelocityMin = 1500, VelocityMax = 6000, Taper = 0.2, SlownessMax = 1 / 500.0;
    private const int Factor = 10, Slownesses = 201;
    private const long ExecutorTimeChunk = 8192; // the store's time tile
    // Channels saved for the agreement check, and the sub-block on which FK and beam outputs are checked.
    private const int CheckChannels = 32, CheckFkChannels = 128, CheckFkSamples = 6000, CheckBeamChannels = 64;

    private readonly CpuBackend _backend = new();
    private readonly float[] _block;
    private readonly int _channels, _samples, _repeats, _beamChannels;
    // Input block sizes (MiB) of the executor-only e2e lines, in the order they run (the first one also pays warm-up).
    private readonly int[] _executorBlockMebibytes;
    // TileDB data filter pipelines the e2e array is written with, one e2e run each ("default" = ArrayStore.DefaultDataFilters);
    // a ":skip-checksums" suffix reads that array with ArrayStore.SkipChecksumValidation (checksum filters unchecked).
    private readonly string[] _storeFilters;
    private readonly double _fs, _dx, _win;
    private readonly string _out;
    private readonly StreamWriter _log;

    private SideBySide(float[] block, int channels, int samples, Dictionary<string, string> options)
    {
        _block = block;
        _channels = channels;
        _samples = samples;
        _out = options["out"];
        _fs = Number(options, "fs", 1000);
        _dx = Number(options, "dx", 10);
        _win = Number(options, "win", 10);
        _repeats = (int)Number(options, "repeats", 3);
        _beamChannels = (int)Number(options, "beam-channels", 0);
        _executorBlockMebibytes = (options.GetValueOrDefault("executor-blocks") ?? "32,16,8,4,2").Split(',').Select(int.Parse).ToArray();
        _storeFilters = (options.GetValueOrDefault("store-filters") ?? "default").Split(',');
        _log = new StreamWriter(Path.Combine(_out, "ours.jsonl"), append: false) { AutoFlush = true };
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
        if (!options.ContainsKey("block") || !options.ContainsKey("out"))
        {
            Console.Error.WriteLine("usage: side-by-side " + Usage);
            return 2;
        }
        var (shape, _, values) = NpyFile.Read(options["block"]);
        Directory.CreateDirectory(options["out"]);
        var ops = (options.GetValueOrDefault("ops") ?? "bandpass,decimate,fk,beam,e2e").Split(',');
        var bench = new SideBySide(values, (int)shape[0], (int)shape[1], options);
        using (bench._log)
        {
            if (ops.Contains("bandpass")) bench.Bandpass();
            if (ops.Contains("decimate")) bench.Decimate();
            if (ops.Contains("fk")) bench.Fk();
            if (ops.Contains("beam")) bench.Beam();
            if (ops.Contains("e2e")) await bench.EndToEndAsync();
        }
        return 0;
    }

    private static double Number(Dictionary<string, string> options, string key, double fallback) =>
        options.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private long SampleCount => (long)_channels * _samples;

    private void Bandpass()
    {
        var sos = FilterDesign.Butterworth(4, FilterBand.Bandpass, BandLow / (_fs / 2), BandHigh / (_fs / 2));
        var work = new float[_block.Length];
        foreach (var (name, mode) in new[] { ("bandpass_zerophase", SosMode.ZeroPhaseOddPad), ("bandpass_causal", SosMode.Causal) })
        {
            // In place: restoring the input is outside the timed section (SciPy allocates its output inside).
            Time(name, $"CpuBackend.SosFilter {mode}, float64 state", () => _block.CopyTo(work, 0), () => _backend.SosFilter(work, _channels, _samples, sos, mode));
            SaveRows(name, work, _samples);
        }
    }

    private void Decimate()
    {
        int outSamples = (_samples + Factor - 1) / Factor;
        var output = new float[(long)_channels * outSamples];
        var iir = FilterDesign.DecimationIir(Factor);
        Time("decimate", $"CpuBackend.SosFilterDecimate q={Factor} iir (fused, only kept samples written)", null,
            () => _backend.SosFilterDecimate(_block, _channels, _samples, iir, SosMode.ZeroPhaseOddPad, Factor, output));
        SaveRows("decimate_iir", output, outSamples);
        var fir = FilterDesign.DecimationFir(Factor);
        int delay = FilterDesign.ResamplePolyDelay(fir.Length, Factor);
        Time("decimate", $"CpuBackend.FirResample q={Factor} fir (polyphase, only kept samples computed)", null,
            () => _backend.FirResample(_block, _channels, _samples, fir, 1, Factor, delay, output));
        SaveRows("decimate_fir", output, outSamples);
    }

    private void Fk()
    {
        var spectrum = HugePageArrays.Zeroed(2L * SampleCount); // as FkOperation allocates its spectrum
        Time("fk_forward", "CpuBackend.Fk (batched float32 r2c rows + column FFT, Hermitian fill, fftshifted full output)", null, () => _backend.Fk(_block, _channels, _samples, 1.0, spectrum));
        // fk real=true: the rfft2 half (what scipy.fft.rfft2 computes), distance rows shifted, no Hermitian fill.
        Time("fk_forward_r2c", "CpuBackend.FkHalf (batched float32 r2c rows + column FFT, half spectrum, rows fftshifted)", null, () => _backend.FkHalf(_block, _channels, _samples, 1.0, spectrum));
        spectrum = [];
        var mask = FanMask(_channels, _samples);
        var work = new float[_block.Length];
        Time("fk_filter", "CpuBackend.FkMask (fan mask, batched float32 r2c half spectrum, c2r)", () => _block.CopyTo(work, 0), () => _backend.FkMask(work, _channels, _samples, mask));

        // Agreement on a sub-block: the transform mixes all channels, so saving a few rows of the full run would not do.
        var (sub, rows, columns) = SubBlock();
        var subSpectrum = new float[2 * sub.Length];
        _backend.Fk(sub, rows, columns, 1.0, subSpectrum);
        NpyFile.Write(Path.Combine(_out, "fk_forward.npy"), [rows, columns], subSpectrum, ElementType.Complex64);
        int bins = columns / 2 + 1;
        var halfSpectrum = new float[2 * rows * bins];
        _backend.FkHalf(sub, rows, columns, 1.0, halfSpectrum);
        NpyFile.Write(Path.Combine(_out, "fk_forward_r2c.npy"), [rows, bins], halfSpectrum, ElementType.Complex64);
        _backend.FkMask(sub, rows, columns, FanMask(rows, columns));
        NpyFile.Write(Path.Combine(_out, "fk_filter.npy"), [rows, columns], sub);
    }

    private void Beam()
    {
        int window = (int)Math.Round(_win * _fs);
        var offsets = Enumerable.Range(0, _channels).Select(c => c * _dx).ToArray();
        var slowness = Enumerable.Range(0, Slownesses).Select(i => -SlownessMax + 2 * SlownessMax * i / (Slownesses - 1)).ToArray();
        var power = new float[Slownesses * (_samples / window)];
        // scipy_peer --beam-channels: the first channels only (as the peer).
        int channels = _beamChannels > 0 ? Math.Min(_beamChannels, _channels) : _channels;
        // The peer sums the bins of its --beam-band (1-40 Hz): ours keeps the same bins, steering included in the time.
        Time("beam_fd", $"CpuBackend.SlownessBeam frequency domain, {BandLow}-{BandHigh} Hz bins, {Slownesses} slownesses, {channels} channels", null,
            () => _backend.SlownessBeam(_block, channels, _samples, offsets, 1 / _fs, slowness, window, frequencyDomain: true, power, BandLow, BandHigh),
            samples: (long)channels * _samples);
        // Agreement on the first channels and window only: the NumPy reference builds every steering phase.
        int rows = Math.Min(_channels, CheckBeamChannels);
        var sub = new float[rows * window];
        for (int r = 0; r < rows; r++) _block.AsSpan(r * _samples, window).CopyTo(sub.AsSpan(r * window));
        var subPower = new float[Slownesses];
        _backend.SlownessBeam(sub, rows, window, offsets, 1 / _fs, slowness, window, frequencyDomain: true, subPower, BandLow, BandHigh);
        NpyFile.Write(Path.Combine(_out, "beam_fd.npy"), [Slownesses, 1], subPower);
    }

    private async Task EndToEndAsync()
    {
        float[]? first = null;
        foreach (string filters in _storeFilters)
        {
            var result = await EndToEndAsync(filters);
            // Storage is lossless: every pipeline must give the same result bits.
            if (first is null) SaveRows("e2e", first = result.Data, (int)result.Shape[^1]);
            else if (!first.AsSpan().SequenceEqual(result.Data)) throw new InvalidOperationException($"e2e with store filters {filters} differs from {_storeFilters[0]}");
        }
    }

    // The array written with one filter pipeline (store read, executor alone, then through gRPC); the impl text names it.
    private async Task<ReductionResult> EndToEndAsync(string storeFilters)
    {
        const string SkipSuffix = ":skip-checksums";
        bool skipChecksums = storeFilters.EndsWith(SkipSuffix, StringComparison.Ordinal);
        string filters = skipChecksums ? storeFilters[..^SkipSuffix.Length] : storeFilters;
        string root = Path.Combine(_out, "store");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var store = new ArrayStore(root);
        using (var session = store.CreateStaged(_channels, new ArrayCoordinates(1 / _fs, DateTimeOffset.UnixEpoch, 0, _dx), null,
            filters == "default" ? ArrayStore.DefaultDataFilters : ArrayStore.ParseDataFilters(filters)))
        {
            session.Append(_block, _channels, _samples);
            session.Publish("block");
        }
        store = new ArrayStore(root) { SkipChecksumValidation = skipChecksums };
        string storedAs = $"store filters: {filters}{(skipChecksums ? ", checksums skipped" : "")}; zstd: {TileDbArray.ZstdImplementation}";
        var whole = new float[_block.Length];
        Time("store_read", $"ArrayStore.Open + Read of the whole array ({storedAs})", null, () =>
        {
            using var source = store.Open("block");
            source.Read(0, _channels, 1, 0, _samples, whole);
        });
        whole = [];
        await TimeExecutorAsync(store, storedAs);
        await using var server = await ResifServer.StartAsync(new ResifServerOptions { StorePath = root, SkipChecksumValidation = skipChecksums, BackendProvider = new CpuBackendProvider() });
        using var client = new ResifClient(server.Url);
        var request = new V1.ReduceRequest { Array = "block" };
        request.Operations.Add(Operation("bandpass", ("freqmin", "1"), ("freqmax", "40"), ("zerophase", "true"), ("pad", "odd")));
        request.Operations.Add(Operation("decimate", ("factor", Factor.ToString(CultureInfo.InvariantCulture)), ("method", "iir")));
        // One untimed call first, as e2e_python.py makes: each store gets a fresh server, whose first call pays its
        // connection and warm-up (0.8-1.1 s against ~0.4), so best of three was best of two.
        ReductionResult? result = await client.ReduceAsync(request);
        await TimeAsync("e2e_reduce", $"store -> bandpass zero-phase (odd pad) -> decimate q=10 iir -> gRPC -> C# client ({storedAs})", async () => result = await client.ReduceAsync(request));
        Directory.Delete(root, recursive: true);
        return result!;
    }

    /// <summary>
    /// The same pipeline through <see cref="ReductionExecutor"/> alone (no gRPC, no client), per input block size: the
    /// default 32 MiB block leaves L3 between the bandpass and the decimation; smaller ones keep it there.
    /// </summary>
    private async Task TimeExecutorAsync(ArrayStore store, string storedAs)
    {
        var info = store.Describe("block");
        var request = new ReductionRequest("block", Selection.All,
        [
            new OperationRequest("bandpass", new Dictionary<string, string> { ["freqmin"] = "1", ["freqmax"] = "40", ["zerophase"] = "true", ["pad"] = "odd" }),
            new OperationRequest("decimate", new Dictionary<string, string> { ["factor"] = Factor.ToString(CultureInfo.InvariantCulture), ["method"] = "iir" }),
        ]);
        foreach (int mebibytes in _executorBlockMebibytes)
        {
            var plan = ReductionPlan.Create(info, request, OperationRegistry.Default, defaultOutputBudget: 0, blockBytes: (long)mebibytes << 20);
            await TimeAsync($"e2e_executor_{mebibytes}MiB", $"store -> bandpass -> decimate in ReductionExecutor, {plan.ChannelsPerBlock} channels per block ({storedAs})",
                () => RunExecutorAsync(store, plan, null));
        }
        // The same work in time chunks, as a window too long for one block runs (the filters as one chain stream).
        var whole = ReductionPlan.Create(info, request, OperationRegistry.Default, defaultOutputBudget: 0);
        var chunked = ReductionPlan.Create(info, request, OperationRegistry.Default, defaultOutputBudget: 0, timeChunkSamples: ExecutorTimeChunk);
        await TimeAsync($"e2e_executor_time_chunks", $"store -> bandpass -> decimate in ReductionExecutor, {chunked.ChannelsPerBlock} channels per block, " +
            $"time chunks of {ExecutorTimeChunk} samples ({storedAs})", () => RunExecutorAsync(store, chunked, null));
        var wholeValues = new List<float>();
        var chunkedValues = new List<float>();
        await RunExecutorAsync(store, whole, wholeValues);
        await RunExecutorAsync(store, chunked, chunkedValues);
        double scale = wholeValues.Max(Math.Abs), error = wholeValues.Zip(chunkedValues, (a, b) => Math.Abs(a - b)).Max();
        // The zero-phase pieces restart their backward pass from rest an overlap beyond them (decay 1e-10): ~1e-7 of the peak.
        if (chunkedValues.Count != wholeValues.Count || error > 1e-6 * scale)
            throw new InvalidOperationException($"time-chunked executor differs from whole windows: {error / scale:E2} of the peak");
    }

    private async Task RunExecutorAsync(ArrayStore store, ReductionPlan plan, List<float>? values)
    {
        using var source = store.Open("block");
        await foreach (var part in ReductionExecutor.RunAsync(plan, source, _backend))
        {
            if (values is not null && part is ResultChunk chunk) values.AddRange(MemoryMarshal.Cast<byte, float>(chunk.Data.Span).ToArray());
        }
    }

    private static V1.Operation Operation(string name, params (string Key, string Value)[] parameters)
    {
        var op = new V1.Operation { Name = name };
        foreach (var (key, value) in parameters) op.Params[key] = new V1.ParamValue { Text = value };
        return op;
    }

    /// <summary>
    /// scipy_peer.fk_mask in the full (unshifted) complex layout: the fan depends on |k| and |f| only, so the
    /// negative-frequency half mirrors the positive one and the inverse stays real.
    /// </summary>
    private float[] FanMask(int channels, int samples)
    {
        var mask = new float[(long)channels * samples];
        double lo0 = VelocityMin * (1 - Taper), lo1 = VelocityMin, hi0 = VelocityMax, hi1 = VelocityMax * (1 + Taper);
        for (int i = 0; i < channels; i++)
        {
            double k = Math.Abs(SignedBin(i, channels) / (channels * _dx));
            if (k == 0) continue;
            for (int j = 0; j < samples; j++)
            {
                double v = Math.Abs(SignedBin(j, samples) * _fs / samples) / k;
                double w = v >= lo1 && v <= hi0 ? 1
                    : v > lo0 && v < lo1 ? 0.5 - 0.5 * Math.Cos(Math.PI * (v - lo0) / (lo1 - lo0))
                    : v > hi0 && v < hi1 ? 0.5 + 0.5 * Math.Cos(Math.PI * (v - hi0) / (hi1 - hi0))
                    : 0;
                mask[(long)i * samples + j] = (float)w;
            }
        }
        return mask;
    }

    // numpy.fft.fftfreq order: 0, 1, ..., then negative bins.
    private static int SignedBin(int index, int length) => index <= (length - 1) / 2 ? index : index - length;

    private (float[] Values, int Rows, int Columns) SubBlock()
    {
        int rows = Math.Min(_channels, CheckFkChannels), columns = Math.Min(_samples, CheckFkSamples);
        var sub = new float[rows * columns];
        for (int r = 0; r < rows; r++) _block.AsSpan(r * _samples, columns).CopyTo(sub.AsSpan(r * columns));
        return (sub, rows, columns);
    }

    private void SaveRows(string name, float[] values, int columns)
    {
        int rows = Math.Min(_channels, CheckChannels);
        NpyFile.Write(Path.Combine(_out, name + ".npy"), [rows, columns], values.AsSpan(0, rows * columns));
    }

    private void Time(string op, string impl, Action? restore, Action run, int repeats = 0, long samples = 0) =>
        TimeAsync(op, impl, () => { run(); return Task.CompletedTask; }, restore, repeats, samples).GetAwaiter().GetResult();

    /// <summary>
    /// The process's minor page faults so far (field 10 of /proc/self/stat): fresh large buffers fault in page by page,
    /// kernel time that a load-disturbed wall clock hides. -1 where there is no procfs.
    /// </summary>
    private static long MinorFaults()
    {
        if (!File.Exists("/proc/self/stat")) return -1;
        string stat = File.ReadAllText("/proc/self/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }

    /// <summary>Best-of-N wall time; the CPU time (all threads) of the best run shows how many cores it really got.</summary>
    private async Task TimeAsync(string op, string impl, Func<Task> run, Action? restore = null, int repeats = 0, long samples = 0)
    {
        if (samples == 0) samples = SampleCount;
        var process = Process.GetCurrentProcess();
        var runs = new List<(double Wall, double Cpu, long Faults)>();
        for (int r = 0; r < (repeats > 0 ? repeats : _repeats); r++)
        {
            restore?.Invoke();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            long faults0 = MinorFaults();
            long t0 = Stopwatch.GetTimestamp();
            await run();
            double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            process.Refresh();
            runs.Add((wall, (process.TotalProcessorTime - cpu0).TotalSeconds, MinorFaults() - faults0));
        }
        var best = runs.MinBy(r => r.Wall);
        var record = new Dictionary<string, object>
        {
            ["op"] = op, ["impl"] = impl, ["threads"] = Environment.ProcessorCount, ["channels"] = _channels, ["samples"] = _samples,
            ["best_s"] = Math.Round(best.Wall, 6), ["cpu_s_at_best"] = Math.Round(best.Cpu, 6),
            ["times_s"] = runs.Select(r => Math.Round(r.Wall, 6)).ToArray(),
            ["cpu_s"] = runs.Select(r => Math.Round(r.Cpu, 6)).ToArray(),
            ["minor_faults_at_best"] = best.Faults,
            ["msamples_per_s"] = Math.Round(samples / best.Wall / 1e6, 3),
            ["msamples_per_cpu_s"] = Math.Round(samples / best.Cpu / 1e6, 3),
        };
        string line = JsonSerializer.Serialize(record);
        Console.WriteLine(line);
        _log.WriteLine(line);
    }
}
