using System.Diagnostics;
using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Dsp;
using Resif.Gpu.Core.Internal;

namespace Resif.Gpu.Bench;

/// <summary>
/// `scaling [--quick] [--repeats N] [--only OP]`: how the CPU backend's time grows with channels, samples, slowness-grid
/// size and FFT length, for bandpass (zero-phase), decimate (IIR q=10), FK and the frequency-domain beam. One
/// markdown table row per case: the varied parameter, the least wall and the least process CPU time (all threads)
/// over the repeats, and input samples per CPU-second (a flat column = linear growth).
/// </summary>
internal static class Scaling
{
    public const string Usage = "[--quick] [--repeats N] [--only bandpass|decimate|fk|beam|beam-stages]";

    private const double Fs = 1000, Dx = 10, SlownessMax = 1 / 500.0, BandLow = 1, BandHigh = 40;

    private static readonly CpuBackend Backend = new();

    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int repeats = Option(args, "--repeats") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        string? only = Option(args, "--only");
        // Quick: a quarter of the sizes, for a smoke run in seconds.
        int unit = quick ? 4 : 1;
        Console.WriteLine("| op | varied | size (channels x samples) | other | wall ms | CPU ms | MS per CPU-s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var sos = FilterDesign.Butterworth(4, FilterBand.Bandpass, BandLow / (Fs / 2), BandHigh / (Fs / 2));
        var iir = FilterDesign.DecimationIir(10);
        if (only is null or "bandpass")
        {
            foreach (int c in new[] { 100, 400, 1600 }) Case("bandpass zero-phase", "channels", c / unit, 60000, "", repeats, Bandpass(sos));
            foreach (int n in new[] { 15000, 60000, 240000 }) Case("bandpass zero-phase", "samples", 200 / unit, n, "", repeats, Bandpass(sos));
        }
        if (only is null or "decimate")
        {
            foreach (int c in new[] { 100, 400, 1600 }) Case("decimate iir q=10", "channels", c / unit, 60000, "", repeats, Decimate(iir));
            foreach (int n in new[] { 15000, 60000, 240000 }) Case("decimate iir q=10", "samples", 200 / unit, n, "", repeats, Decimate(iir));
        }
        if (only is null or "fk")
        {
            foreach (int c in new[] { 100, 400, 1600 }) Case("fk forward", "channels", c / unit, 16384, "", repeats, Fk);
            // Powers of two, 5-smooth and a prime length (Bluestein's algorithm in the current FFT).
            foreach (int n in new[] { 4096, 10000, 16384, 60000, 10007 }) Case("fk forward", "FFT length", 200 / unit, n, "", repeats, Fk);
        }
        if (only is null or "beam")
        {
            foreach (int s in new[] { 51, 201, 801 }) Beam("slownesses", 100 / unit, 60000, s, 10000, repeats);
            foreach (int c in new[] { 50, 200, 800 }) Beam("channels", c / unit, 60000, 201, 10000, repeats);
            foreach (int n in new[] { 15000, 60000, 240000 }) Beam("samples", 100 / unit, n, 201, 10000, repeats);
            // Window = FFT length; the 1-40 Hz band holds more bins as the window grows, so cost grows ~ window.
            foreach (int w in new[] { 2000, 5000, 10000, 20000 }) Beam("FFT length", 100 / unit, 60000, 201, w, repeats);
            // The operation's default: every bin (5001 per 10 s window instead of the band's 391).
            Beam("band", 100 / unit, 60000, 201, 10000, repeats, allBins: true);
        }
        if (only is "beam-stages")
        {
            foreach (int c in new[] { 100, 2000 }) BeamStages(c / unit, 60000, 201, 10000, repeats);
        }
        return 0;
    }

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    // Each maker returns the timed call for one size; outputs are allocated outside the timing.
    private static Func<int, int, Action<float[]>> Bandpass(double[] sos) => (channels, samples) => x => Backend.SosFilter(x, channels, samples, sos, SosMode.ZeroPhaseOddPad);

    private static Func<int, int, Action<float[]>> Decimate(double[] sos) => (channels, samples) =>
    {
        var output = new float[(long)channels * ((samples + 9) / 10)];
        return x => Backend.SosFilterDecimate(x, channels, samples, sos, SosMode.ZeroPhaseOddPad, 10, output);
    };

    private static Action<float[]> Fk(int channels, int samples)
    {
        var output = new float[2L * channels * samples];
        return x => Backend.Fk(x, channels, samples, 1.0, output);
    }

    private static void Beam(string varied, int channels, int samples, int slownesses, int window, int repeats, bool allBins = false)
    {
        double low = allBins ? 0 : BandLow, high = allBins ? double.PositiveInfinity : BandHigh;
        var offsets = Enumerable.Range(0, channels).Select(c => c * Dx).ToArray();
        var grid = Enumerable.Range(0, slownesses).Select(i => -SlownessMax + 2 * SlownessMax * i / (slownesses - 1)).ToArray();
        var power = new float[slownesses * (samples / window)];
        Case(allBins ? "beam fd all bins" : "beam fd 1-40 Hz", varied, channels, samples, $"{slownesses} slownesses, window {window}", repeats,
            (c, n) => x => Backend.SlownessBeam(x, c, n, offsets, 1 / Fs, grid, window, frequencyDomain: true, power, low, high));
    }

    /// <summary>
    /// The beam's two stages on one thread, each timed on its own (process CPU time, best of the repeats): the band
    /// spectra of every window and channel, then the steering product over all slowness tiles.
    /// </summary>
    private static void BeamStages(int channels, int samples, int slownesses, int window, int repeats)
    {
        var offsets = Enumerable.Range(0, channels).Select(c => c * Dx).ToArray();
        var grid = Enumerable.Range(0, slownesses).Select(i => -SlownessMax + 2 * SlownessMax * i / (slownesses - 1)).ToArray();
        var power = new float[slownesses * (samples / window)];
        var (firstBin, bins) = BeamSpectra.BandBins(window, 1 / Fs, BandLow, BandHigh);
        var oneThread = new ParallelOptions { MaxDegreeOfParallelism = 1 };
        string other = $"{slownesses} slownesses, window {window}, one thread";
        BeamSpectra? spectra = null;
        Case("beam stage: band spectra", "channels", channels, samples, other, repeats,
            (c, n) => x =>
            {
                spectra?.Dispose();
                spectra = BeamSpectra.Compute(x, c, n, window, firstBin, bins, oneThread);
            });
        Case("beam stage: steering product", "channels", channels, samples, other, repeats, (c, n) => _ =>
        {
            var scan = new BeamSteeringScan(spectra!, offsets, grid, 1 / (window / Fs));
            var scratch = scan.NewScratch();
            for (int tile = 0; tile < scan.Tiles; tile++) scan.Run(tile, scratch, 1, power);
        });
        // A grid without mirrored pairs (0 < s ≤ smax): every slowness needs a lane of its own, twice the steering work.
        var oneSided = Enumerable.Range(1, slownesses).Select(i => SlownessMax * i / slownesses).ToArray();
        Case("beam stage: steering, no mirrors", "channels", channels, samples, other, repeats, (c, n) => _ =>
        {
            var scan = new BeamSteeringScan(spectra!, offsets, oneSided, 1 / (window / Fs));
            var scratch = scan.NewScratch();
            for (int tile = 0; tile < scan.Tiles; tile++) scan.Run(tile, scratch, 1, power);
        });
        using var oneThreadBackend = new CpuBackend(1);
        Case("beam, whole call", "channels", channels, samples, other, repeats,
            (c, n) => x => oneThreadBackend.SlownessBeam(x, c, n, offsets, 1 / Fs, grid, window, frequencyDomain: true, power, BandLow, BandHigh));
    }

    private static void Case(string op, string varied, int channels, int samples, string other, int repeats, Func<int, int, Action<float[]>> make)
    {
        var run = make(channels, samples);
        var rng = new Random(7);
        var pristine = new float[(long)channels * samples];
        for (long i = 0; i < pristine.LongLength; i++) pristine[i] = (float)(rng.NextDouble() - 0.5);
        var work = new float[pristine.LongLength];
        var process = Process.GetCurrentProcess();
        double bestWall = double.MaxValue, bestCpu = double.MaxValue;
        // One untimed run first: tiered JIT and plan caches.
        for (int r = -1; r < repeats; r++)
        {
            pristine.CopyTo(work, 0);
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            run(work);
            double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            if (r < 0) continue;
            // Each minimum on its own: on a shared machine the least disturbed run differs for wall and CPU time.
            bestWall = Math.Min(bestWall, wall);
            bestCpu = Math.Min(bestCpu, cpu);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {op} | {varied} | {channels} x {samples} | {other} | {bestWall * 1e3:F1} | {bestCpu * 1e3:F1} | {pristine.LongLength / 1e6 / bestCpu:F1} |"));
    }
}
