using System.Numerics.Tensors;
using Resif.Gpu.Core.Internal;
using Resif.Gpu.Core.Spectral;

namespace Resif.Gpu.Core;

// Spectral kernels: one row (or one FK column) per parallel iteration, float64 scratch per worker thread.
public sealed partial class CpuBackend
{
    public void ComplexFft(float[] data, int rows, int length, bool inverse)
    {
        SpectralChecks.Require(data, 2L * rows * length, nameof(data));
        var plan = FftPlan.Get(length);
        Parallel.For(0, rows, ParallelOptions, () => new SpectralScratch(length), (row, _, s) =>
        {
            var values = data.AsSpan(2 * row * length, 2 * length);
            s.LoadComplex(values);
            if (inverse) plan.Inverse(s.Re, s.Im);
            else plan.Forward(s.Re, s.Im);
            s.StoreComplex(values);
            return s;
        }, _ => { });
    }

    public void Fk(float[] input, int channels, int samples, double scale, float[] output)
    {
        SpectralChecks.Require(input, (long)channels * samples, nameof(input));
        SpectralChecks.Require(output, 2L * channels * samples, nameof(output));
        int timeShift = samples / 2, distanceShift = channels / 2;
        ForwardRealRows(input, channels, samples, (row, re, im) =>
        {
            var target = output.AsSpan(2 * row * samples, 2 * samples);
            for (int k = 0; k < samples; k++)
            {
                int to = 2 * ((k + timeShift) % samples);
                target[to] = (float)(re[k] * scale);
                target[to + 1] = (float)(im[k] * scale);
            }
        });
        TransformColumns(output, channels, samples, inverse: false, distanceShift);
    }

    public void FkMask(float[] data, int channels, int samples, float[] mask)
    {
        SpectralChecks.Require(data, (long)channels * samples, nameof(data));
        SpectralChecks.Require(mask, (long)channels * samples, nameof(mask));
        var spectrum = new float[2L * channels * samples];
        ForwardRealRows(data, channels, samples, (row, re, im) =>
        {
            var target = spectrum.AsSpan(2 * row * samples, 2 * samples);
            for (int k = 0; k < samples; k++)
            {
                target[2 * k] = (float)re[k];
                target[2 * k + 1] = (float)im[k];
            }
        });
        TransformColumns(spectrum, channels, samples, inverse: false, shift: 0);
        for (long i = 0; i < (long)channels * samples; i++)
        {
            spectrum[2 * i] *= mask[i];
            spectrum[2 * i + 1] *= mask[i];
        }
        TransformColumns(spectrum, channels, samples, inverse: true, shift: 0);
        var timePlan = FftPlan.Get(samples);
        Parallel.For(0, channels, ParallelOptions, () => new SpectralScratch(samples), (row, _, s) =>
        {
            s.LoadComplex(spectrum.AsSpan(2 * row * samples, 2 * samples));
            timePlan.Inverse(s.Re, s.Im);
            var target = data.AsSpan(row * samples, samples);
            for (int k = 0; k < samples; k++) target[k] = (float)s.Re[k];
            return s;
        }, _ => { });
    }

    public void Envelope(float[] data, int rows, int columns)
    {
        SpectralChecks.Require(data, (long)rows * columns, nameof(data));
        var plan = FftPlan.Get(columns);
        ForwardRealRows(data, rows, columns, (row, re, im) =>
        {
            // Analytic signal: keep DC (and Nyquist for even n), double positive frequencies, drop negative ones.
            int positiveEnd = (columns + 1) / 2;
            for (int k = 1; k < positiveEnd; k++)
            {
                re[k] *= 2;
                im[k] *= 2;
            }
            for (int k = columns / 2 + 1; k < columns; k++) re[k] = im[k] = 0;
            plan.Inverse(re, im);
            var values = data.AsSpan(row * columns, columns);
            for (int k = 0; k < columns; k++) values[k] = (float)Math.Sqrt(re[k] * re[k] + im[k] * im[k]);
        });
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

    /// <summary>
    /// Forward FFT of every real row, two rows per complex transform; <paramref name="consume"/> gets each row's
    /// full spectrum in float64 scratch it may overwrite (rows of one pair are consumed one after the other).
    /// </summary>
    private void ForwardRealRows(float[] input, int rows, int columns, Action<int, double[], double[]> consume)
    {
        var plan = FftPlan.Get(columns);
        Parallel.For(0, (rows + 1) / 2, ParallelOptions, () => new SpectralScratch(columns), (pair, _, s) =>
        {
            int first = 2 * pair;
            var a = input.AsSpan(first * columns, columns);
            if (first + 1 < rows)
            {
                s.ForwardPair(a, input.AsSpan((first + 1) * columns, columns), plan);
                consume(first, s.Re, s.Im);
                consume(first + 1, s.PairRe, s.PairIm);
            }
            else
            {
                s.LoadReal(a);
                plan.Forward(s.Re, s.Im);
                consume(first, s.Re, s.Im);
            }
            return s;
        }, _ => { });
    }

    // Columns go through in groups so that each row access reads a contiguous run of interleaved values
    // (whole cache lines) instead of one complex number per row.
    private const int ColumnGroup = 8;

    private void TransformColumns(float[] data, int rows, int columns, bool inverse, int shift)
    {
        var plan = FftPlan.Get(rows);
        int groups = (columns + ColumnGroup - 1) / ColumnGroup;
        Parallel.For(0, groups, ParallelOptions, () => Enumerable.Range(0, ColumnGroup).Select(_ => new SpectralScratch(rows)).ToArray(), (group, _, scratch) =>
        {
            int first = group * ColumnGroup, count = Math.Min(ColumnGroup, columns - first);
            for (int r = 0; r < rows; r++)
            {
                long at = 2 * ((long)r * columns + first);
                for (int c = 0; c < count; c++)
                {
                    scratch[c].Re[r] = data[at + 2 * c];
                    scratch[c].Im[r] = data[at + 2 * c + 1];
                }
            }
            for (int c = 0; c < count; c++)
            {
                if (inverse) plan.Inverse(scratch[c].Re, scratch[c].Im);
                else plan.Forward(scratch[c].Re, scratch[c].Im);
            }
            for (int r = 0; r < rows; r++)
            {
                long at = 2 * ((long)((r + shift) % rows) * columns + first);
                for (int c = 0; c < count; c++)
                {
                    data[at + 2 * c] = (float)scratch[c].Re[r];
                    data[at + 2 * c + 1] = (float)scratch[c].Im[r];
                }
            }
            return scratch;
        }, _ => { });
    }
}
