using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// The one-sided spectra, restricted to a frequency band, of every non-overlapping window of every channel, laid
/// out for the steering product: per kept bin b a [channel, window] complex matrix in two float32 planes, element
/// (b · channels + c) · windows + w. A real window's bin −k is the conjugate of bin k, so a two-sided sum of
/// |beam|² is the one-sided sum with weight 2 on every bin that has a distinct negative twin (all but DC and,
/// for even windows, Nyquist).
/// </summary>
internal sealed class BeamSpectra
{
    private BeamSpectra(int firstBin, int bins, int channels, int windows, int window)
    {
        FirstBin = firstBin;
        Bins = bins;
        Channels = channels;
        Windows = windows;
        Window = window;
        long size = (long)bins * channels * windows;
        Re = GC.AllocateUninitializedArray<float>(checked((int)size));
        Im = GC.AllocateUninitializedArray<float>((int)size);
    }

    public int FirstBin { get; }

    public int Bins { get; }

    public int Channels { get; }

    public int Windows { get; }

    public int Window { get; }

    public float[] Re { get; }

    public float[] Im { get; }

    /// <summary>Weight of bin FirstBin + b in the two-sided sum: 1 for DC and the Nyquist bin of an even window, else 2.</summary>
    public double Weight(int b)
    {
        int k = FirstBin + b;
        return k == 0 || 2 * k == Window ? 1 : 2;
    }

    /// <summary>
    /// One-sided bins k (0 ≤ k ≤ window/2) whose frequency k / (window · dt) lies in [fmin, fmax]; empty when none does.
    /// </summary>
    public static (int First, int Count) BandBins(int window, double sampleInterval, double fmin, double fmax)
    {
        double binWidth = 1 / (window * sampleInterval);
        int first = Math.Max(0, (int)Math.Ceiling(fmin / binWidth - 1e-9));
        double last = Math.Min(window / 2, Math.Floor(Math.Min(fmax / binWidth + 1e-9, int.MaxValue)));
        return last < first ? (first, 0) : (first, (int)last - first + 1);
    }

    /// <summary>
    /// Transforms the windows two real rows at a time (one complex FFT of a + i·b; A[k] = (Z[k] + conj Z[n−k]) / 2,
    /// B[k] = (Z[k] − conj Z[n−k]) / 2i) and keeps the band bins, in float32.
    /// </summary>
    public static BeamSpectra Compute(float[] input, int channels, int samples, int window, int firstBin, int bins, ParallelOptions options)
    {
        var spectra = new BeamSpectra(firstBin, bins, channels, samples / window, window);
        var plan = FftPlan.Get(window);
        int rows = channels * spectra.Windows;
        Parallel.For(0, (rows + 1) / 2, options, () => (new double[window], new double[window]), (pair, _, scratch) =>
        {
            var (re, im) = scratch;
            int a = 2 * pair, b = a + 1;
            Load(input, samples, window, spectra.Windows, a, re);
            if (b < rows) Load(input, samples, window, spectra.Windows, b, im);
            else Array.Clear(im);
            plan.Forward(re, im);
            spectra.Store(a, b < rows ? b : -1, re, im);
            return scratch;
        }, _ => { });
        return spectra;
    }

    /// <summary>One window of one channel, widened to float64 (Vector256: the scalar loop cost as much as a third of the FFT).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Load(float[] input, int samples, int window, int windows, int row, double[] destination)
    {
        var source = input.AsSpan((row / windows) * samples + (row % windows) * window, window);
        ref float from = ref MemoryMarshal.GetReference(source);
        ref double to = ref MemoryMarshal.GetArrayDataReference(destination);
        int n = 0, lanes = Vector256<float>.Count;
        for (; n + lanes <= window; n += lanes)
        {
            var values = Vector256.LoadUnsafe(ref from, (nuint)n);
            Vector256.WidenLower(values).StoreUnsafe(ref to, (nuint)n);
            Vector256.WidenUpper(values).StoreUnsafe(ref to, (nuint)(n + lanes / 2));
        }
        for (; n < window; n++) destination[n] = source[n];
    }

    /// <summary>Splits the pair's spectrum Z into rows a and b (b = −1: none) and stores their band bins.</summary>
    private void Store(int a, int b, double[] zRe, double[] zIm)
    {
        long rowStride = (long)Channels * Windows;
        for (int bin = 0; bin < Bins; bin++)
        {
            int k = FirstBin + bin, mirror = (Window - k) % Window;
            double zr = zRe[k], zi = zIm[k], mr = zRe[mirror], mi = zIm[mirror];
            long at = bin * rowStride;
            Re[at + a] = (float)((zr + mr) / 2);
            Im[at + a] = (float)((zi - mi) / 2);
            if (b < 0) continue;
            Re[at + b] = (float)((zi + mi) / 2);
            Im[at + b] = (float)((mr - zr) / 2);
        }
    }
}
