using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// FFT-based spectral kernels on the device, any size, in a float64 work buffer: radix-2 for powers of two, Bluestein's
/// chirp-z transform (through radix-2 FFTs) for the other lengths.
/// </summary>
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<double>, ArrayView<double>, FftLines>? fftTransform;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int>? fftLoad;
    private Action<Index1D, ArrayView<double>, ArrayView<float>, int>? fftStore;
    private Action<Index1D, ArrayView<double>, int>? analyticWeights;
    private Action<Index1D, ArrayView<double>, ArrayView<float>>? multiplyByMask;
    private Action<Index1D, ArrayView<double>, ArrayView<float>, int, int, double>? storeShifted;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, int, int>? bluesteinFilter;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>? bluesteinLoad;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, int>? bluesteinMultiply;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>? bluesteinStore;

    private const int Interleaved = 0, RealPart = 1, Magnitude = 2;

    public void ComplexFft(float[] data, int rows, int length, bool inverse)
    {
        CheckShape(data.LongLength, rows, 2 * length, nameof(data));
        if (rows == 0) return;
        if (UseDevice(nameof(ComplexFft)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, 2 * length);
                using (EnterDevice())
                {
                    using var work = LoadWork(tensor, complex: true);
                    TransformRows(work, rows, length, inverse);
                    StoreWork(work, tensor.View, (long)rows * length, Interleaved);
                }
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(ComplexFft), e))
            {
            }
        }
        Fallback.ComplexFft(data, rows, length, inverse);
    }

    public void Envelope(float[] data, int rows, int columns)
    {
        CheckShape(data.LongLength, rows, columns, nameof(data));
        if (rows == 0) return;
        if (UseDevice(nameof(Envelope)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, columns);
                Envelope(tensor);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(Envelope), e))
            {
            }
        }
        Fallback.Envelope(data, rows, columns);
    }

    /// <summary>|analytic signal| of each row of the tensor, in place.</summary>
    internal void Envelope(DeviceTensor tensor)
    {
        using (EnterDevice())
        {
            using var work = LoadWork(tensor, complex: false);
            long count = (long)tensor.Channels * tensor.Samples;
            TransformRows(work, tensor.Channels, tensor.Samples, inverse: false);
            analyticWeights ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, int>(FftKernels.AnalyticWeights);
            analyticWeights(Threads(count), work.View, tensor.Samples);
            TransformRows(work, tensor.Channels, tensor.Samples, inverse: true);
            StoreWork(work, tensor.View, count, Magnitude);
        }
    }

    public void Fk(float[] input, int channels, int samples, double scale, float[] output)
    {
        CheckShape(input.LongLength, channels, samples, nameof(input));
        CheckShape(output.LongLength, channels, 2 * samples, nameof(output));
        if (UseDevice(nameof(Fk)))
        {
            try
            {
                using DeviceTensor record = Upload(input, channels, samples);
                using (EnterDevice())
                {
                    using DeviceTensor spectrum = Allocate(channels, 2 * samples);
                    using var work = LoadWork(record, complex: false);
                    TransformRows(work, channels, samples, inverse: false);
                    TransformColumns(work, channels, samples, inverse: false);
                    storeShifted ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>, int, int, double>(FftKernels.StoreShifted);
                    storeShifted(Threads((long)channels * samples), work.View, spectrum.View, channels, samples, scale);
                    Download(spectrum, output);
                }
                return;
            }
            catch (Exception e) when (FallsBack(nameof(Fk), e))
            {
            }
        }
        Fallback.Fk(input, channels, samples, scale, output);
    }

    public void FkMask(float[] data, int channels, int samples, float[] mask)
    {
        CheckShape(data.LongLength, channels, samples, nameof(data));
        CheckShape(mask.LongLength, channels, samples, nameof(mask));
        if (UseDevice(nameof(FkMask)))
        {
            try
            {
                using DeviceTensor record = Upload(data, channels, samples);
                FkMask(record, mask);
                DownloadInPlace(record, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(FkMask), e))
            {
            }
        }
        Fallback.FkMask(data, channels, samples, mask);
    }

    /// <summary>Filters the tensor in place in the FK domain with a real mask in unshifted FFT order.</summary>
    internal void FkMask(DeviceTensor record, float[] mask)
    {
        int channels = record.Channels, samples = record.Samples;
        CheckShape(mask.LongLength, channels, samples, nameof(mask));
        using DeviceTensor weights = Upload(mask, channels, samples);
        using (EnterDevice())
        {
            using var work = LoadWork(record, complex: false);
            TransformRows(work, channels, samples, inverse: false);
            TransformColumns(work, channels, samples, inverse: false);
            multiplyByMask ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>>(FftKernels.MultiplyByMask);
            multiplyByMask(Threads((long)channels * samples), work.View, weights.View);
            TransformColumns(work, channels, samples, inverse: true);
            TransformRows(work, channels, samples, inverse: true);
            StoreWork(work, record.View, (long)channels * samples, RealPart);
        }
    }

    /// <summary>The tensor's values as complex float64 (real input gets zero imaginary parts). Caller is inside EnterDevice.</summary>
    private MemoryBuffer1D<double, Stride1D.Dense> LoadWork(DeviceTensor tensor, bool complex)
    {
        long values = (long)tensor.Channels * tensor.Samples;
        var work = accelerator.Allocate1D<double>(Math.Max(1L, complex ? values : 2 * values));
        fftLoad ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int>(FftKernels.Load);
        if (values > 0) fftLoad(Threads(values), tensor.View, work.View, complex ? 1 : 0);
        return work;
    }

    /// <summary>Writes <paramref name="complexCount"/> work values back as float32; synchronises so the work buffer can go.</summary>
    private void StoreWork(MemoryBuffer1D<double, Stride1D.Dense> work, ArrayView<float> target, long complexCount, int part)
    {
        fftStore ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>, int>(FftKernels.Store);
        if (complexCount > 0) fftStore(Threads(complexCount), work.View, target, part);
        accelerator.Synchronize();
    }

    private void TransformRows(MemoryBuffer1D<double, Stride1D.Dense> work, int rows, int length, bool inverse) =>
        TransformLines(work, rows, length, lineStride: length, elementStride: 1, inverse);

    private void TransformColumns(MemoryBuffer1D<double, Stride1D.Dense> work, int rows, int columns, bool inverse) =>
        TransformLines(work, columns, rows, lineStride: 1, elementStride: columns, inverse);

    private void TransformLines(MemoryBuffer1D<double, Stride1D.Dense> work, int lines, int length, int lineStride, int elementStride, bool inverse)
    {
        if (lines == 0 || length <= 1) return;
        if (!BitOperations.IsPow2(length))
        {
            BluesteinLines(work, lines, length, lineStride, elementStride, inverse);
            return;
        }
        using var twiddles = accelerator.Allocate1D(Twiddles(length));
        Radix2Lines(work.View, twiddles.View, lines, new FftLines(length, BitOperations.Log2((uint)length), lineStride, elementStride, inverse ? 1 : 0));
        accelerator.Synchronize(); // the twiddle table is released on return
    }

    private void Radix2Lines(ArrayView<double> work, ArrayView<double> twiddles, int lines, FftLines shape)
    {
        fftTransform ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, FftLines>(FftKernels.Transform);
        fftTransform(lines, work, twiddles, shape);
    }

    /// <summary>
    /// Lengths that are not powers of two: Bluestein's chirp-z transform through radix-2 FFTs of the next power of two
    /// ≥ 2n − 1, in float64 (its extra rounding stays near 1e-15, far below the float32 output).
    /// </summary>
    private void BluesteinLines(MemoryBuffer1D<double, Stride1D.Dense> work, int lines, int length, int lineStride, int elementStride, bool inverse)
    {
        int padded = checked((int)BitOperations.RoundUpToPowerOf2((uint)(2 * length - 1)));
        var forward = new FftLines(padded, BitOperations.Log2((uint)padded), lineStride: padded, elementStride: 1, inverse: 0);
        var shape = new BluesteinLines(length, padded, lineStride, elementStride, inverse ? 1 : 0);
        bluesteinFilter ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, int>(BluesteinKernels.Filter);
        bluesteinLoad ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>(BluesteinKernels.Load);
        bluesteinMultiply ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int>(BluesteinKernels.MultiplyByFilter);
        bluesteinStore ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>(BluesteinKernels.Store);

        using var chirp = accelerator.Allocate1D(Chirp(length));
        using var twiddles = accelerator.Allocate1D(Twiddles(padded));
        using var filter = accelerator.Allocate1D<double>(2L * padded);
        using var scratch = accelerator.Allocate1D<double>(2L * lines * padded);
        bluesteinFilter(padded, chirp.View, filter.View, length, padded);
        Radix2Lines(filter.View, twiddles.View, 1, forward);
        bluesteinLoad(Threads((long)lines * padded), work.View, scratch.View, chirp.View, shape);
        Radix2Lines(scratch.View, twiddles.View, lines, forward);
        bluesteinMultiply(Threads((long)lines * padded), scratch.View, filter.View, padded);
        Radix2Lines(scratch.View, twiddles.View, lines, new FftLines(padded, forward.Log2Length, padded, 1, inverse: 1));
        bluesteinStore(Threads((long)lines * length), scratch.View, work.View, chirp.View, shape);
        accelerator.Synchronize(); // the tables and scratch are released on return
    }

    /// <summary>exp(−πi k²/n) for k &lt; n, interleaved; k² is reduced mod 2n in integers so the angle stays exact for large k.</summary>
    private static double[] Chirp(int length)
    {
        var table = new double[2 * length];
        for (int k = 0; k < length; k++)
        {
            double angle = -Math.PI * ((long)k * k % (2L * length)) / length;
            table[2 * k] = Math.Cos(angle);
            table[2 * k + 1] = Math.Sin(angle);
        }
        return table;
    }

    /// <summary>exp(−2πi k/n) for k &lt; n/2, interleaved, computed on the host in float64.</summary>
    private static double[] Twiddles(int length)
    {
        var table = new double[Math.Max(2, length)];
        for (int k = 0; k < length / 2; k++)
        {
            double angle = -2.0 * Math.PI * k / length;
            table[2 * k] = Math.Cos(angle);
            table[2 * k + 1] = Math.Sin(angle);
        }
        return table;
    }
}
