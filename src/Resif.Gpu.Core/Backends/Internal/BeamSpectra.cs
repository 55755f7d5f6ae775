using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// The one-sided spectra, restricted to a frequency band, of every non-overlapping window of every channel, laid
/// out for the steering product: per kept bin b a [window, channel] complex matrix in two float32 planes, element
/// (b · windows + w) · channels + c (a batch's 16 channels of one bin and window are one contiguous run). A real window's bin −k is the conjugate of bin k, so a two-sided sum of
/// |beam|² is the one-sided sum with weight 2 on every bin that has a distinct negative twin (all but DC and,
/// for even windows, Nyquist).
/// </summary>
internal sealed class BeamSpectra : IDisposable
{
    private BeamSpectra(int firstBin, int bins, int channels, int windows, int window)
    {
        FirstBin = firstBin;
        Bins = bins;
        Channels = channels;
        Windows = windows;
        Window = window;
        long size = (long)bins * channels * windows;
        // Pooled: a fresh 2000-channel buffer pair (~37 MB) costs ~9500 page faults per call. Every element in use
        // is written by Compute, so the rented arrays need no clearing (they may also be longer than asked).
        Re = ArrayPool<float>.Shared.Rent(checked((int)size));
        Im = ArrayPool<float>.Shared.Rent((int)size);
    }

    public void Dispose()
    {
        ArrayPool<float>.Shared.Return(Re);
        ArrayPool<float>.Shared.Return(Im);
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
    /// Transforms the windows in float32 batches, two real rows per complex lane (z = a + i·b,
    /// A[k] = (Z[k] + conj Z[n−k]) / 2, B[k] = (Z[k] − conj Z[n−k]) / 2i), band bins only. Whole groups of 16 channels
    /// go one window per batch (channel rows are a uniform <paramref name="samples"/> apart, so they load as lanes with
    /// register transposes); the channels left over go one channel pair per batch with up to 8 of its windows as the
    /// lanes (windows of a row are a uniform window apart), so a 100-channel block fills its lanes instead of
    /// transforming a 4-channel group with 12 empty rows for every window.
    /// </summary>
    public static BeamSpectra Compute(float[] input, int channels, int samples, int window, int firstBin, int bins, ParallelOptions options)
    {
        var spectra = new BeamSpectra(firstBin, bins, channels, samples / window, window);
        var plan = FftBatchPlan.Get(window);
        int windows = spectra.Windows, groupBatches = channels / PairBatch * windows;
        int tailFirst = channels / PairBatch * PairBatch, tailPairs = (channels - tailFirst + 1) / 2;
        int windowBlocks = (windows + Lanes - 1) / Lanes;
        Parallel.For(0, groupBatches + tailPairs * windowBlocks, options, () => new FftWorkspace(plan, 0), (batch, _, w) =>
        {
            int evenChannel, firstWindow, lanes;
            long laneStride;
            if (batch < groupBatches)
            {
                // Channel-group major: consecutive batches (one worker's range) fill the same output cache lines.
                (evenChannel, firstWindow, lanes, laneStride) = (batch / windows * PairBatch, batch % windows, Lanes, 2L * samples);
            }
            else
            {
                int pair = (batch - groupBatches) / windowBlocks, block = (batch - groupBatches) % windowBlocks;
                (evenChannel, firstWindow) = (tailFirst + 2 * pair, block * Lanes);
                (lanes, laneStride) = (Math.Min(Lanes, windows - firstWindow), window);
            }
            bool odd = evenChannel + 1 < channels;
            long start = (long)evenChannel * samples + (long)firstWindow * window;
            FftLanes.LoadRows(input, start, laneStride, lanes, window, w.Re);
            if (odd) FftLanes.LoadRows(input, start + samples, laneStride, lanes, window, w.Im);
            else w.Im.AsSpan(0, plan.BatchFloats).Clear();
            plan.Forward(w.Re, w.Im, w.Scratch);
            // Lane l holds channel evenChannel + 2l of one window (a group) or window firstWindow + l of one pair.
            long laneStep = batch < groupBatches ? 2 : channels;
            spectra.Store(w.Re, w.Im, (long)firstWindow * channels + evenChannel, laneStep, lanes, odd);
            return w;
        }, w => w.Dispose());
        return spectra;
    }

    private const int Lanes = FftBatchPlan.Lanes;

    /// <summary>Channels per group batch: two real rows per lane.</summary>
    private const int PairBatch = 2 * Lanes;

    /// <summary>
    /// Splits the lane-major pair spectra Z and stores their band bins: lane l's even row at
    /// <paramref name="at"/> + l · <paramref name="laneStep"/> of each bin's [window, channel] plane, its odd row (the
    /// next channel, when <paramref name="odd"/>) right after.
    /// </summary>
    private void Store(float[] zRe, float[] zIm, long at, long laneStep, int lanes, bool odd)
    {
        var re = MemoryMarshal.Cast<float, Vector256<float>>(zRe.AsSpan(0, Lanes * Window));
        var im = MemoryMarshal.Cast<float, Vector256<float>>(zIm.AsSpan(0, Lanes * Window));
        long binStride = (long)Windows * Channels;
        // A whole group's 16 channels are one contiguous run: two interleaving vector stores per plane.
        bool contiguous = laneStep == 2 && lanes == Lanes && odd && Avx.IsSupported;
        // The four split vectors go to the stack once: a per-lane GetElement would spill each vector per element.
        Span<float> parts = stackalloc float[4 * Lanes];
        for (int bin = 0; bin < Bins; bin++, at += binStride)
        {
            int k = FirstBin + bin, mirror = k == 0 ? 0 : Window - k;
            Vector256<float> zr = re[k], zi = im[k], mr = re[mirror], mi = im[mirror];
            var aRe = (zr + mr) * 0.5f;
            var aIm = (zi - mi) * 0.5f;
            var bRe = (zi + mi) * 0.5f;
            var bIm = (mr - zr) * 0.5f;
            if (contiguous)
            {
                StoreInterleaved(aRe, bRe, Re.AsSpan((int)at, PairBatch));
                StoreInterleaved(aIm, bIm, Im.AsSpan((int)at, PairBatch));
                continue;
            }
            aRe.CopyTo(parts);
            aIm.CopyTo(parts[Lanes..]);
            bRe.CopyTo(parts[(2 * Lanes)..]);
            bIm.CopyTo(parts[(3 * Lanes)..]);
            for (int l = 0; l < lanes; l++)
            {
                long even = at + l * laneStep;
                Re[even] = parts[l];
                Im[even] = parts[Lanes + l];
                if (!odd) continue;
                Re[even + 1] = parts[2 * Lanes + l];
                Im[even + 1] = parts[3 * Lanes + l];
            }
        }
    }

    /// <summary>destination = a0 b0 a1 b1 … a7 b7 (even and odd channels back in channel order), two vector stores.</summary>
    private static void StoreInterleaved(Vector256<float> a, Vector256<float> b, Span<float> destination)
    {
        // Unpack interleaves within 128-bit halves: low = a0 b0 a1 b1 | a4 b4 a5 b5, high = a2 b2 a3 b3 | a6 b6 a7 b7.
        var low = Avx.UnpackLow(a, b);
        var high = Avx.UnpackHigh(a, b);
        Avx.Permute2x128(low, high, 0x20).CopyTo(destination);
        Avx.Permute2x128(low, high, 0x31).CopyTo(destination[Lanes..]);
    }
}
