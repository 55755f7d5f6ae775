using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// FFT-based spectral kernels on the device for power-of-two sizes (radix-2, float64 work buffer); other sizes need
/// Bluestein's algorithm and run on the CPU backend (<see cref="DelegatedToCpu"/>).
/// </summary>
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<double>, ArrayView<double>, FftLines>? fftTransform;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int>? fftLoad;
    private Action<Index1D, ArrayView<double>, ArrayView<float>, int>? fftStore;
    private Action<Index1D, ArrayView<double>, int>? analyticWeights;
    private Action<Index1D, ArrayView<double>, ArrayView<float>>? multiplyByMask;
    private Action<Index1D, ArrayView<double>, ArrayView<float>, int, int, double>? storeShifted;

    private const int Interleaved = 0, RealPart = 1, Magnitude = 2;

    public void ComplexFft(float[] data, int rows, int length, bool inverse)
    {
        if (!BitOperations.IsPow2(length))
        {
            Fallback.ComplexFft(data, rows, length, inverse);
            return;
        }
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
        if (!BitOperations.IsPow2(columns))
        {
            Fallback.Envelope(data, rows, columns);
            return;
        }
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

    /// <summary>|analytic signal| of each row of a tensor whose row length is a power of two, in place.</summary>
    internal void Envelope(DeviceTensor tensor)
    {
        if (!BitOperations.IsPow2(tensor.Samples)) throw new ArgumentException($"the device envelope needs a power-of-two row length, got {tensor.Samples}", nameof(tensor));
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
        if (!BitOperations.IsPow2(channels) || !BitOperations.IsPow2(samples))
        {
            Fallback.Fk(input, channels, samples, scale, output);
            return;
        }
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
        if (!BitOperations.IsPow2(channels) || !BitOperations.IsPow2(samples))
        {
            Fallback.FkMask(data, channels, samples, mask);
            return;
        }
        CheckShape(data.LongLength, channels, samples, nameof(data));
        CheckShape(mask.LongLength, channels, samples, nameof(mask));
        if (UseDevice(nameof(FkMask)))
        {
            try
            {
                using DeviceTensor record = Upload(data, channels, samples);
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
                DownloadInPlace(record, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(FkMask), e))
            {
            }
        }
        Fallback.FkMask(data, channels, samples, mask);
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
        fftTransform ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, FftLines>(FftKernels.Transform);
        using var twiddles = accelerator.Allocate1D(Twiddles(length));
        fftTransform(lines, work.View, twiddles.View,
            new FftLines(length, BitOperations.Log2((uint)length), lineStride, elementStride, inverse ? 1 : 0));
        accelerator.Synchronize(); // the twiddle table is released on return
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
