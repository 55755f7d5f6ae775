using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// Row and 2-D transforms of the CPU backend on <see cref="FftBatchPlan"/>: real rows one at a time through
/// <see cref="FftRealRowPlan"/> where their length allows, otherwise in batches of 16 (two real rows per complex
/// lane); complex columns in groups of 8 adjacent columns (lanes = columns, read straight from row-major memory).
/// Each worker thread rents one workspace per call.
/// </summary>
internal static class FftTransforms
{
    private const int L = FftBatchPlan.Lanes;

    /// <summary>Rows per batch of the real-row transforms: two rows per lane.</summary>
    private const int PairBatch = 2 * L;

    public static void ComplexRows(float[] data, int rows, int length, bool inverse, ParallelOptions options)
    {
        var plan = FftBatchPlan.Get(length);
        float scale = inverse ? 1f / length : 1f;
        ForEachBatch(rows, L, plan, 0, options, (first, w) =>
        {
            int count = Math.Min(L, rows - first);
            long start = 2L * first * length;
            FftLanes.LoadComplexRows(data, start, 2L * length, count, length, w.Re, w.Im);
            if (inverse) plan.InverseUnscaled(w.Re, w.Im, w.Scratch);
            else plan.Forward(w.Re, w.Im, w.Scratch);
            FftLanes.StoreComplexRows(w.Re, w.Im, length, scale, data, start, 2L * length, count);
        });
    }

    /// <summary>
    /// Forward FFT of every real row; bins 0 .. n/2 of row r go, times <paramref name="scale"/>, to
    /// <paramref name="output"/> row r (row stride <paramref name="rowStride"/> floats) at complex column
    /// (k + <paramref name="shift"/>) mod n.
    /// </summary>
    public static void ForwardRealRows(float[] input, int rows, int n, float scale, float[] output, long rowStride, int shift, ParallelOptions options)
    {
        int bins = n / 2 + 1, unwrapped = Math.Min(bins, n - shift);
        if (FftRealRowPlan.Supports(n))
        {
            ForEachRealRow(rows, n, options, (row, plan, work) =>
            {
                plan.Forward(input.AsSpan(row * n, n), work);
                var re = work[..bins];
                var im = work.Slice(plan.SpectrumStride, bins);
                long rowStart = row * rowStride;
                FftLanes.MergeComplex(re, im, unwrapped, scale, output.AsSpan((int)(rowStart + 2L * shift)));
                if (unwrapped < bins)
                {
                    FftLanes.MergeComplex(re[unwrapped..], im[unwrapped..], bins - unwrapped, scale,
                        output.AsSpan((int)(rowStart + 2L * (unwrapped + shift - n))));
                }
            });
            return;
        }
        ForEachRealRowPair(input, rows, n, options, (re, im, row, count) =>
        {
            long rowStart = row * rowStride;
            FftLanes.StoreComplexRows(re, im, unwrapped, scale, output, rowStart + 2L * shift, 2 * rowStride, count);
            if (unwrapped < bins)
            {
                FftLanes.StoreComplexRows(re.AsSpan(L * unwrapped), im.AsSpan(L * unwrapped), bins - unwrapped, scale,
                    output, rowStart + 2L * (unwrapped + shift - n), 2 * rowStride, count);
            }
        });
    }

    /// <summary>
    /// Float offset, in a packed row (<see cref="ForwardRealRowsPacked"/>), of bin 1: bin k (0 &lt; k &lt; n/2) sits
    /// at floats <c>PackedBinOffset(n) + 2(k − 1)</c> (re, im).
    /// </summary>
    public static int PackedBinOffset(int n) => n % 2 == 0 ? 2 : 1;

    /// <summary>Bins strictly between 0 and n/2 of a real row: the complex columns of a packed row.</summary>
    public static int PackedComplexBins(int n) => (n - 1) / 2;

    /// <summary>
    /// Forward FFT of every real row of <paramref name="data"/> (rows of n floats), in place, each row's half
    /// spectrum packed into its own n floats: float 0 = bin 0, float 1 = bin n/2 for even n (both real for a real
    /// row), then bins 1 .. (n−1)/2 as (re, im) pairs. No second buffer: the spectrum is exactly as large as the row.
    /// </summary>
    public static void ForwardRealRowsPacked(float[] data, int rows, int n, ParallelOptions options)
    {
        int offset = PackedBinOffset(n), complexBins = PackedComplexBins(n);
        if (FftRealRowPlan.Supports(n))
        {
            ForEachRealRow(rows, n, options, (row, plan, work) =>
            {
                var packed = data.AsSpan(row * n, n);
                plan.Forward(packed, work);
                var im = work[plan.SpectrumStride..];
                packed[0] = work[0];
                packed[1] = work[n / 2];
                FftLanes.MergeComplex(work[1..], im[1..], complexBins, 1f, packed[offset..]);
            });
            return;
        }
        ForEachRealRowPair(data, rows, n, options, (re, im, row, count) =>
        {
            long rowStart = (long)row * n;
            FftLanes.StoreComplexRows(re.AsSpan(L), im.AsSpan(L), complexBins, 1f, data, rowStart + offset, 2L * n, count);
            for (int l = 0; l < count; l++)
            {
                long at = rowStart + 2L * l * n;
                data[at] = re[l];
                if (n % 2 == 0) data[at + 1] = re[n / 2 * L + l];
            }
        });
    }

    /// <summary>
    /// Inverse of <see cref="ForwardRealRowsPacked"/>, in place, times <paramref name="scale"/> (the imaginary parts
    /// of bins 0 and n/2, which a real row cannot have, are not stored, as numpy.fft.irfft ignores them).
    /// </summary>
    public static void InverseRealRowsPacked(float[] data, int rows, int n, float scale, ParallelOptions options)
    {
        if (FftRealRowPlan.Supports(n))
        {
            ForEachRealRow(rows, n, options, (row, rowPlan, work) =>
            {
                var packed = data.AsSpan(row * n, n);
                var im = work[rowPlan.SpectrumStride..];
                work[0] = packed[0];
                work[n / 2] = packed[1];
                FftLanes.SplitComplex(packed[PackedBinOffset(n)..], PackedComplexBins(n), work[1..], im[1..]);
                rowPlan.Inverse(work, packed, scale);
            });
            return;
        }
        var plan = FftBatchPlan.Get(n);
        int bins = n / 2 + 1;
        ForEachBatch(rows, PairBatch, plan, bins, options, (first, w) =>
        {
            int evenRows = Math.Min(L, (rows - first + 1) / 2), oddRows = Math.Min(L, (rows - first) / 2);
            LoadPackedRows(data, (long)first * n, 2L * n, evenRows, n, w.Re, w.Im);
            LoadPackedRows(data, (long)(first + 1) * n, 2L * n, oddRows, n, w.PairRe, w.PairIm);
            MergePairSpectra(w, n, scale);
            plan.InverseUnscaled(w.Re, w.Im, w.Scratch);
            FftLanes.StoreRows(w.Re, n, data, (long)first * n, 2L * n, evenRows);
            if (oddRows > 0) FftLanes.StoreRows(w.Im, n, data, (long)(first + 1) * n, 2L * n, oddRows);
        });
    }

    /// <summary>Packed rows (start + l·rowStride) into lane-major half spectra, bins 0 .. n/2; lanes ≥ rows are 0.</summary>
    private static void LoadPackedRows(float[] src, long start, long rowStride, int rows, int n, float[] re, float[] im)
    {
        if (rows > 0) FftLanes.LoadComplexRows(src, start + PackedBinOffset(n), rowStride, rows, PackedComplexBins(n), re.AsSpan(L), im.AsSpan(L));
        else
        {
            re.AsSpan(L, L * PackedComplexBins(n)).Clear();
            im.AsSpan(L, L * PackedComplexBins(n)).Clear();
        }
        for (int l = 0; l < L; l++)
        {
            long at = start + l * rowStride;
            re[l] = l < rows ? src[at] : 0f;
            im[l] = 0f;
            if (n % 2 != 0) continue;
            re[n / 2 * L + l] = l < rows ? src[at + 1] : 0f;
            im[n / 2 * L + l] = 0f;
        }
    }

    /// <summary>
    /// Forward FFT of real rows in batches of 16 (rows first + 2l and first + 2l + 1 packed as lane l's z = a + i·b),
    /// split into the two half spectra (bins 0 .. n/2, lane-major), each handed to <paramref name="store"/> with its
    /// first row (rows first + 2l or first + 1 + 2l) and row count. Both halves are loaded before either is stored,
    /// so <paramref name="store"/> may overwrite the input rows.
    /// </summary>
    private static void ForEachRealRowPair(float[] input, int rows, int n, ParallelOptions options, Action<float[], float[], int, int> store)
    {
        var plan = FftBatchPlan.Get(n);
        ForEachBatch(rows, PairBatch, plan, n / 2 + 1, options, (first, w) =>
        {
            int evenRows = Math.Min(L, (rows - first + 1) / 2), oddRows = Math.Min(L, (rows - first) / 2);
            FftLanes.LoadRows(input, (long)first * n, 2L * n, evenRows, n, w.Re);
            if (oddRows > 0) FftLanes.LoadRows(input, (long)(first + 1) * n, 2L * n, oddRows, n, w.Im);
            else w.Im.AsSpan(0, L * n).Clear();
            plan.Forward(w.Re, w.Im, w.Scratch);
            SplitPairSpectra(w, n);
            store(w.Re, w.Im, first, evenRows);
            if (oddRows > 0) store(w.PairRe, w.PairIm, first + 1, oddRows);
        });
    }

    /// <summary>
    /// FFT along the columns (length <paramref name="rows"/>) of the complex columns
    /// [firstColumn, firstColumn + columns) of a row-major array (row stride <paramref name="rowStride"/> floats),
    /// up to 32 adjacent columns per sweep over the rows. Without a filter: forward, times
    /// <paramref name="scale"/>, row d stored at (d + <paramref name="rowShift"/>) mod rows. With a <paramref name="filter"/> (given the sweep's first column,
    /// column count and lane-major spectra, batch b of 8 columns at vector b·rows): forward, filter, unscaled
    /// inverse. Complex column c starts at float <paramref name="columnOrigin"/> + 2c of each row.
    /// </summary>
    public static void Columns(float[] data, long rowStride, int rows, int firstColumn, int columns, float scale, int rowShift,
        FilterColumns? filter, ParallelOptions options, long columnOrigin = 0)
    {
        var plan = FftBatchPlan.Get(rows);
        int sweeps = (columns + FftLanes.ColumnsPerSweep - 1) / FftLanes.ColumnsPerSweep;
        ForEachBatch(sweeps, 1, plan, 0, options, (sweep, w) =>
        {
            int column = firstColumn + sweep * FftLanes.ColumnsPerSweep;
            int lanes = Math.Min(FftLanes.ColumnsPerSweep, firstColumn + columns - column);
            long start = columnOrigin + 2L * column;
            int batches = (lanes + L - 1) / L;
            FftLanes.LoadColumns(data, start, rowStride, rows, lanes, w.Re, w.Im);
            for (int batch = 0; batch < batches; batch++)
            {
                plan.Forward(w.Re.AsSpan(batch * plan.BatchFloats, plan.BatchFloats), w.Im.AsSpan(batch * plan.BatchFloats, plan.BatchFloats), w.Scratch);
            }
            if (filter is not null)
            {
                filter(column, lanes, w.Re.AsSpan(0, batches * plan.BatchFloats), w.Im.AsSpan(0, batches * plan.BatchFloats));
                for (int batch = 0; batch < batches; batch++)
                {
                    plan.InverseUnscaled(w.Re.AsSpan(batch * plan.BatchFloats, plan.BatchFloats), w.Im.AsSpan(batch * plan.BatchFloats, plan.BatchFloats), w.Scratch);
                }
            }
            FftLanes.StoreColumns(w.Re, w.Im, rows, rowShift, scale, data, start, rowStride, lanes);
        }, FftLanes.ColumnsPerSweep / L);
    }

    /// <summary>
    /// One real column (float <paramref name="offset"/> of each row) through <paramref name="filter"/> as column
    /// <paramref name="column"/>: forward FFT, filter, unscaled inverse, real part stored back. For the bin-0 and
    /// bin-n/2 columns of packed rows, whose values are real; one lane of one batch, so it runs on the caller's thread.
    /// </summary>
    public static void FilterRealColumn(float[] data, long rowStride, int rows, long offset, int column, FilterColumns filter)
    {
        var plan = FftBatchPlan.Get(rows);
        using var w = new FftWorkspace(plan, 0);
        var re = w.Re.AsSpan(0, plan.BatchFloats);
        var im = w.Im.AsSpan(0, plan.BatchFloats);
        re.Clear();
        im.Clear();
        for (int d = 0; d < rows; d++) re[d * L] = data[offset + d * rowStride];
        plan.Forward(re, im, w.Scratch);
        filter(column, 1, re, im);
        plan.InverseUnscaled(re, im, w.Scratch);
        for (int d = 0; d < rows; d++) data[offset + d * rowStride] = re[d * L];
    }

    public delegate void FilterColumns(int firstColumn, int columns, Span<float> re, Span<float> im);

    /// <summary>Envelope |x + i H(x)| of each real row: forward FFT, analytic-signal weights (and 1/n), inverse.</summary>
    public static void EnvelopeRows(float[] data, int rows, int n, ParallelOptions options)
    {
        var plan = FftBatchPlan.Get(n);
        var weights = new float[n];
        // Keep DC (and Nyquist for even n), double positive frequencies, drop negative ones; 1/n of the inverse folded in.
        for (int k = 0; k < n; k++) weights[k] = (k == 0 || 2 * k == n ? 1f : 2 * k < n ? 2f : 0f) / n;
        ForEachBatch(rows, L, plan, 0, options, (first, w) =>
        {
            int count = Math.Min(L, rows - first);
            FftLanes.LoadRows(data, (long)first * n, n, count, n, w.Re);
            w.Im.AsSpan(0, L * n).Clear();
            plan.Forward(w.Re, w.Im, w.Scratch);
            var re = MemoryMarshal.Cast<float, Vector256<float>>(w.Re.AsSpan(0, L * n));
            var im = MemoryMarshal.Cast<float, Vector256<float>>(w.Im.AsSpan(0, L * n));
            for (int k = 0; k < n; k++)
            {
                re[k] *= weights[k];
                im[k] *= weights[k];
            }
            plan.InverseUnscaled(w.Re, w.Im, w.Scratch);
            for (int k = 0; k < n; k++) re[k] = Vector256.Sqrt(re[k] * re[k] + im[k] * im[k]);
            FftLanes.StoreRows(w.Re, n, data, (long)first * n, n, count);
        });
    }

    /// <summary>
    /// Completes an fftshifted 2-D spectrum of a real [rows, n] array whose bins k = 0 .. n/2 are in place: every
    /// negative-frequency bin is the conjugate of the bin at the opposite (wavenumber, frequency). A sequential
    /// pass: measured twice as fast as writing the mirrors from the strided column pass.
    /// </summary>
    public static unsafe void FillNegativeFrequencies(float[] spectrum, int rows, int n, ParallelOptions options)
    {
        int timeShift = n / 2, distanceShift = rows / 2;
        // Shifted columns below timeShift hold negative frequencies, except column 0 for even n (the Nyquist bin).
        int firstColumn = n % 2 == 0 ? 1 : 0;
        // Streaming only pays when the spectrum is far larger than the caches (a small one is read back from them).
        bool stream = 8L * rows * n > StreamingBytes;
        Parallel.For(0, rows, options, row =>
        {
            int mirrorRow = ((2 * distanceShift - row) % rows + rows) % rows;
            fixed (float* data = spectrum)
            {
                float* target = data + 2L * row * n, source = data + 2L * mirrorRow * n;
                int column = firstColumn;
                // Scalar up to a 32-byte boundary, so the vector loop can stream with aligned non-temporal stores:
                // the output (twice the input) is far larger than the caches, and skipping the read-for-ownership
                // of every written line saves a third of this pass's memory traffic.
                for (; stream && column < timeShift && ((nuint)(target + 2 * column) & 31) != 0; column++) MirrorOne(target, source, column, timeShift);
                // Four complex values per vector: target columns j .. j+3 mirror source columns 2·shift−j−3 .. 2·shift−j.
                for (; column + 4 <= timeShift; column += 4)
                {
                    var values = FftLanes.ConjugateReversed(Vector256.Load(source + 2 * (2 * timeShift - column - 3)));
                    if (stream) Vector256.StoreAlignedNonTemporal(values, target + 2 * column);
                    else values.Store(target + 2 * column);
                }
                for (; column < timeShift; column++) MirrorOne(target, source, column, timeShift);
            }
            // Non-temporal stores are weakly ordered: make them visible before the caller reads the spectrum.
            if (stream && Sse.IsSupported) Sse.StoreFence();
        });
    }

    /// <summary>Spectrum size above which the Hermitian fill streams (settable so that tests cover both paths).</summary>
    internal static long StreamingBytes { get; set; } = 64L << 20;

    private static unsafe void MirrorOne(float* target, float* source, int column, int timeShift)
    {
        long from = 2L * (2 * timeShift - column);
        target[2 * column] = source[from];
        target[2 * column + 1] = -source[from + 1];
    }

    /// <summary>
    /// Column filter multiplying unshifted 2-D spectrum bins (wavenumber d, frequency k ≤ n/2) by
    /// (mask[d, k] + mask[−d, −k]) / 2 · <paramref name="norm"/>: for a Hermitian spectrum that is exactly the
    /// real part of ifft2(spectrum · mask), whatever the mask's own symmetry.
    /// </summary>
    public static FilterColumns SymmetricMask(float[] mask, int rows, int n, float norm)
    {
        return (firstColumn, columns, re, im) =>
        {
            var vr = MemoryMarshal.Cast<float, Vector256<float>>(re);
            var vi = MemoryMarshal.Cast<float, Vector256<float>>(im);
            int batches = (columns + L - 1) / L;
            Span<float> weights = stackalloc float[L];
            // Row by row over all batches of the sweep: each mask row is touched once (two short runs).
            for (int d = 0; d < rows; d++)
            {
                int mirrorRow = (rows - d) % rows;
                if (d + FftLanes.PrefetchRows < rows && firstColumn > 0)
                {
                    FftLanes.Prefetch(ref mask[(d + FftLanes.PrefetchRows) * n + firstColumn], columns);
                    FftLanes.Prefetch(ref mask[(rows - d - FftLanes.PrefetchRows) * n + n - firstColumn - columns + 1], columns);
                }
                for (int b = 0; b < batches; b++)
                {
                    int column = firstColumn + b * L, lanes = Math.Min(L, columns - b * L);
                    Vector256<float> weight;
                    if (lanes == L && column > 0)
                    {
                        var direct = Vector256.Create<float>(mask.AsSpan(d * n + column, L));
                        var mirrored = Vector256.Create<float>(mask.AsSpan(mirrorRow * n + n - column - (L - 1), L));
                        weight = (direct + FftLanes.Reversed(mirrored)) * (0.5f * norm);
                    }
                    else
                    {
                        for (int l = 0; l < L; l++)
                        {
                            int k = column + l;
                            weights[l] = l < lanes ? 0.5f * norm * (mask[d * n + k] + mask[mirrorRow * n + (n - k) % n]) : 0f;
                        }
                        weight = Vector256.Create<float>(weights);
                    }
                    vr[b * rows + d] *= weight;
                    vi[b * rows + d] *= weight;
                }
            }
        };
    }

    /// <summary>
    /// Spectra of two real lanes packed as z = a + i·b: A[k] = (Z[k] + conj Z[n−k]) / 2 stays in (Re, Im) and
    /// B[k] = (Z[k] − conj Z[n−k]) / 2i goes to (PairRe, PairIm), for k = 0 .. n/2 (in place: the mirrors of those
    /// bins lie above n/2 or are the bin itself).
    /// </summary>
    private static void SplitPairSpectra(FftWorkspace w, int n)
    {
        var re = MemoryMarshal.Cast<float, Vector256<float>>(w.Re.AsSpan(0, L * n));
        var im = MemoryMarshal.Cast<float, Vector256<float>>(w.Im.AsSpan(0, L * n));
        var pairRe = MemoryMarshal.Cast<float, Vector256<float>>(w.PairRe.AsSpan(0, L * (n / 2 + 1)));
        var pairIm = MemoryMarshal.Cast<float, Vector256<float>>(w.PairIm.AsSpan(0, L * (n / 2 + 1)));
        for (int k = 0; k <= n / 2; k++)
        {
            int mirror = k == 0 ? 0 : n - k;
            Vector256<float> zr = re[k], zi = im[k], mr = re[mirror], mi = im[mirror];
            re[k] = (zr + mr) * 0.5f;
            im[k] = (zi - mi) * 0.5f;
            pairRe[k] = (zi + mi) * 0.5f;
            pairIm[k] = (mr - zr) * 0.5f;
        }
    }

    /// <summary>
    /// Inverse of <see cref="SplitPairSpectra"/>: from half spectra A (Re, Im) and B (PairRe, PairIm), the full
    /// Z = A + i·B (Hermitian halves expanded) times <paramref name="scale"/>, so that the inverse FFT of Z has a
    /// in its real part and b in its imaginary part.
    /// </summary>
    private static void MergePairSpectra(FftWorkspace w, int n, float scale)
    {
        var re = MemoryMarshal.Cast<float, Vector256<float>>(w.Re.AsSpan(0, L * n));
        var im = MemoryMarshal.Cast<float, Vector256<float>>(w.Im.AsSpan(0, L * n));
        var pairRe = MemoryMarshal.Cast<float, Vector256<float>>(w.PairRe.AsSpan(0, L * (n / 2 + 1)));
        var pairIm = MemoryMarshal.Cast<float, Vector256<float>>(w.PairIm.AsSpan(0, L * (n / 2 + 1)));
        for (int k = 0; k <= n / 2; k++)
        {
            Vector256<float> ar = re[k] * scale, ai = im[k] * scale, br = pairRe[k] * scale, bi = pairIm[k] * scale;
            bool selfMirrored = k == 0 || 2 * k == n;
            if (selfMirrored)
            {
                // A real row's bin 0 (and n/2) is real: drop the imaginary parts, as irfft does.
                re[k] = ar;
                im[k] = br;
                continue;
            }
            re[k] = ar - bi;
            im[k] = ai + br;
            re[n - k] = ar + bi;
            im[n - k] = br - ai;
        }
    }

    private delegate void RealRowBody(int row, FftRealRowPlan plan, Span<float> work);

    /// <summary>Runs <paramref name="body"/> on every row in parallel with the single-row plan, one work buffer per worker.</summary>
    private static void ForEachRealRow(int rows, int n, ParallelOptions options, RealRowBody body)
    {
        var plan = FftRealRowPlan.Get(n);
        Parallel.For(0, rows, options, () => ArrayPool<float>.Shared.Rent(plan.WorkFloats), (row, _, work) =>
        {
            body(row, plan, work);
            return work;
        }, work => ArrayPool<float>.Shared.Return(work));
    }

    /// <summary>Runs <paramref name="body"/> on batches of <paramref name="perBatch"/> items in parallel, one workspace per worker.</summary>
    private static void ForEachBatch(int items, int perBatch, FftBatchPlan plan, int pairBins, ParallelOptions options, Action<int, FftWorkspace> body,
        int laneBatches = 1)
    {
        int batches = (items + perBatch - 1) / perBatch;
        Parallel.For(0, batches, options, () => new FftWorkspace(plan, pairBins, laneBatches), (batch, _, w) =>
        {
            body(batch * perBatch, w);
            return w;
        }, w => w.Dispose());
    }
}

/// <summary>
/// One worker's pooled buffers: lane-major batches (Re, Im: <c>laneBatches</c> of them), the plan's scratch, and
/// a second half-spectrum batch.
/// </summary>
internal sealed class FftWorkspace : IDisposable
{
    public FftWorkspace(FftBatchPlan plan, int pairBins, int laneBatches = 1)
    {
        Re = ArrayPool<float>.Shared.Rent(laneBatches * plan.BatchFloats);
        Im = ArrayPool<float>.Shared.Rent(laneBatches * plan.BatchFloats);
        Scratch = ArrayPool<float>.Shared.Rent(plan.ScratchFloats);
        PairRe = pairBins > 0 ? ArrayPool<float>.Shared.Rent(FftBatchPlan.Lanes * pairBins) : [];
        PairIm = pairBins > 0 ? ArrayPool<float>.Shared.Rent(FftBatchPlan.Lanes * pairBins) : [];
    }

    public float[] Re { get; }

    public float[] Im { get; }

    public float[] Scratch { get; }

    public float[] PairRe { get; }

    public float[] PairIm { get; }

    public void Dispose()
    {
        foreach (var array in new[] { Re, Im, Scratch, PairRe, PairIm })
        {
            if (array.Length > 0) ArrayPool<float>.Shared.Return(array);
        }
    }
}
