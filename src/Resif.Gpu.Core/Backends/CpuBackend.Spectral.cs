using System.Numerics.Tensors;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core;

// Spectral kernels. FFT-based ones (ComplexFft, Fk, FkMask, Envelope) run on the batched float32 FFT of
// Internal/Fft*.cs; the others work one row (or one slowness, one window) per parallel iteration.
public sealed partial class CpuBackend
{
    public void ComplexFft(float[] data, int rows, int length, bool inverse)
    {
        SpectralChecks.Require(data, 2L * rows * length, nameof(data));
        FftTransforms.ComplexRows(data, rows, length, inverse, ParallelOptions);
    }

    public void Fk(float[] input, int channels, int samples, double scale, float[] output)
    {
        SpectralChecks.Require(input, (long)channels * samples, nameof(input));
        SpectralChecks.Require(output, 2L * channels * samples, nameof(output));
        // Real time rows → bins 0 .. n/2, already at their fftshifted columns; the distance FFT of those columns
        // (scaled, rows fftshifted): shifted columns timeShift .. n−1 and, for even n, column 0 (the Nyquist bin);
        // then the negative frequencies from Hermitian symmetry.
        int timeShift = samples / 2;
        long rowStride = 2L * samples;
        float factor = (float)scale;
        FftTransforms.ForwardRealRows(input, channels, samples, 1f, output, rowStride, timeShift, ParallelOptions);
        FftTransforms.Columns(output, rowStride, channels, timeShift, samples - timeShift, factor, channels / 2, null, ParallelOptions);
        if (samples % 2 == 0) FftTransforms.Columns(output, rowStride, channels, 0, 1, factor, channels / 2, null, ParallelOptions);
        FftTransforms.FillNegativeFrequencies(output, channels, samples, ParallelOptions);
    }

    public void FkHalf(float[] input, int channels, int samples, double scale, float[] output)
    {
        int bins = samples / 2 + 1;
        SpectralChecks.Require(input, (long)channels * samples, nameof(input));
        SpectralChecks.Require(output, 2L * channels * bins, nameof(output));
        // Fk without the time shift and the Hermitian fill: the real row transforms' bins 0 .. n/2 are the output.
        long rowStride = 2L * bins;
        FftTransforms.ForwardRealRows(input, channels, samples, 1f, output, rowStride, 0, ParallelOptions);
        FftTransforms.Columns(output, rowStride, channels, 0, bins, (float)scale, channels / 2, null, ParallelOptions);
    }

    public void FkMask(float[] data, int channels, int samples, float[] mask)
    {
        SpectralChecks.Require(data, (long)channels * samples, nameof(data));
        SpectralChecks.Require(mask, (long)channels * samples, nameof(mask));
        // In place, no spectrum buffer: each real time row becomes its packed half spectrum (bins 0 and n/2 real,
        // then bins 1 .. (n−1)/2 complex); the distance FFT, mask and inverse distance FFT run on each group of
        // complex columns while it is in cache, and on the real bin-0 and bin-n/2 columns alone; then the inverse
        // real time FFT of each row.
        float norm = (float)(1.0 / ((double)channels * samples));
        var filter = FftTransforms.SymmetricMask(mask, channels, samples, norm);
        FftTransforms.ForwardRealRowsPacked(data, channels, samples, ParallelOptions);
        FftTransforms.Columns(data, samples, channels, 1, FftTransforms.PackedComplexBins(samples), 1f, 0, filter, ParallelOptions,
            columnOrigin: FftTransforms.PackedBinOffset(samples) - 2);
        FftTransforms.FilterRealColumn(data, samples, channels, 0, 0, filter);
        if (samples % 2 == 0) FftTransforms.FilterRealColumn(data, samples, channels, 1, samples / 2, filter);
        FftTransforms.InverseRealRowsPacked(data, channels, samples, 1f, ParallelOptions);
    }

    public void Envelope(float[] data, int rows, int columns)
    {
        SpectralChecks.Require(data, (long)rows * columns, nameof(data));
        FftTransforms.EnvelopeRows(data, rows, columns, ParallelOptions);
    }

    public void StaLta(float[] input, float[] output, int rows, int columns, int nsta, int nlta, bool recursive)
    {
        SpectralChecks.Require(input, (long)rows * columns, nameof(input));
        SpectralChecks.Require(output, (long)rows * columns, nameof(output));
        if (nsta < 1 || nlta <= nsta) throw new ArgumentException($"need 1 <= nsta < nlta, got {nsta}, {nlta}");
        Parallel.For(0, rows, ParallelOptions, row =>
        {
            var x = input.AsSpan(row * columns, columns);
            var cf = output.AsSpan(row * columns, columns);
            if (recursive) SpectralDetectors.RecursiveStaLta(x, cf, nsta, nlta);
            else SpectralDetectors.ClassicStaLta(x, cf, nsta, nlta);
        });
    }

    public void WindowRms(float[] input, float[] output, int rows, int columns, int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window));
        int windows = columns / window;
        SpectralChecks.Require(input, (long)rows * columns, nameof(input));
        SpectralChecks.Require(output, (long)rows * windows, nameof(output));
        Parallel.For(0, rows, ParallelOptions, row =>
        {
            for (int w = 0; w < windows; w++)
            {
                var segment = input.AsSpan(row * columns + w * window, window);
                double sum = 0;
                foreach (float v in segment) sum += (double)v * v;
                output[(long)row * windows + w] = (float)Math.Sqrt(sum / window);
            }
        });
    }

    public void Abs(float[] data, long count)
    {
        SpectralChecks.Require(data, count, nameof(data));
        TensorPrimitives.Abs(data.AsSpan(0, checked((int)count)), data.AsSpan(0, (int)count));
    }

    public void Normalize(float[] data, int rows, int columns, bool byStd)
    {
        SpectralChecks.Require(data, (long)rows * columns, nameof(data));
        Parallel.For(0, rows, ParallelOptions, row =>
        {
            var x = data.AsSpan(row * columns, columns);
            double norm = byStd ? SpectralDetectors.StandardDeviation(x) : TensorPrimitives.MaxMagnitude(x);
            norm = Math.Abs(norm);
            if (norm > 0) TensorPrimitives.Multiply(x, (float)(1 / norm), x);
        });
    }

    public void SlownessBeam(float[] input, int channels, int samples, double[] offsets, double sampleInterval,
        double[] slownesses, int window, bool frequencyDomain, float[] output,
        double frequencyMin = 0, double frequencyMax = double.PositiveInfinity)
    {
        SpectralChecks.Require(input, (long)channels * samples, nameof(input));
        if (offsets.Length < channels) throw new ArgumentException("one offset per channel needed", nameof(offsets));
        if (window < 1 || window > samples) throw new ArgumentOutOfRangeException(nameof(window));
        int windows = samples / window;
        SpectralChecks.Require(output, (long)slownesses.Length * windows, nameof(output));
        var beam = new SpectralBeamformer(input, channels, samples, offsets, sampleInterval, window);
        if (frequencyDomain)
        {
            if (channels > 0 && windows > 0) beam.FrequencyPower(slownesses, frequencyMin, frequencyMax, output, ParallelOptions);
        }
        else if (frequencyMin != 0 || !double.IsPositiveInfinity(frequencyMax))
        {
            throw new ArgumentException("a frequency band applies to the frequency-domain beam only", nameof(frequencyMin));
        }
        else
        {
            Parallel.For(0, slownesses.Length, ParallelOptions, () => new double[samples],
                (si, _, scratch) =>
                {
                    beam.TimePower(slownesses[si], scratch, output.AsSpan(si * windows, windows));
                    return scratch;
                }, _ => { });
        }
    }

    public void StationBeam(float[] input, int stations, int samples, float[] timeShifts, int gridPoints, int window, int step, int nfft,
        int firstBin, int binCount, float binWidth, bool capon, bool prewhiten, float[] relativePower, float[] absolutePower)
    {
        SpectralChecks.Require(input, (long)stations * samples, nameof(input));
        if (window < 1 || window > samples || step < 1) throw new ArgumentException($"window {window} and step {step} do not fit {samples} samples");
        if (nfft < window || firstBin < 0 || binCount < 1 || firstBin + binCount > nfft / 2 + 1) throw new ArgumentException("frequency bins outside the spectrum");
        int windows = (samples - window) / step + 1;
        SpectralChecks.Require(timeShifts, (long)stations * gridPoints, nameof(timeShifts));
        SpectralChecks.Require(relativePower, (long)windows * gridPoints, nameof(relativePower));
        SpectralChecks.Require(absolutePower, (long)windows * gridPoints, nameof(absolutePower));
        var beam = new SpectralStationBeam(stations, timeShifts, gridPoints, window, nfft, firstBin, binCount, binWidth, capon, prewhiten);
        Parallel.For(0, windows, ParallelOptions, w => beam.Window(input, samples, w * step,
            relativePower.AsSpan(w * gridPoints, gridPoints), absolutePower.AsSpan(w * gridPoints, gridPoints)));
    }
}
