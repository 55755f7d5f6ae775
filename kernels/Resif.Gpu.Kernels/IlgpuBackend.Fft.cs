using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// FFT-based spectral kernels on the device, any size, on complex float32 work buffers. On CUDA, cuFFT when libcufft
/// loads (probed once per backend, the reason logged when not); elsewhere, and for shapes cuFFT will not plan, our
/// Stockham kernels: mixed radix 2/3/4/5, Bluestein's chirp-z transform for lengths with larger prime factors.
/// </summary>
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass>? fftPass;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, FftPass>? copyLines;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, SharedRowsPlan>? sharedRows;
    private Action<Index1D, ArrayView<float>, FftPass, float>? scaleLines;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? fftLoad;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? packRealRows;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? unpackRealRows;
    private Action<Index1D, ArrayView<float>, int, int>? fillHermitian;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? fftStore;
    private Action<Index1D, ArrayView<float>, int>? analyticWeights;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? multiplyByMask;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, double>? storeShifted;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, double>? storeHalfShifted;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? bluesteinFilter;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BluesteinLines>? bluesteinLoad;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? bluesteinMultiply;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BluesteinLines>? bluesteinStore;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, FftLines>? float64Transform;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, int, int>? float64BluesteinFilter;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>? float64BluesteinLoad;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, int>? float64BluesteinMultiply;
    private Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>? float64BluesteinStore;
    private readonly FftTables fftTables = new();
    private CuFftLines? cuFft;
    private string? fftEngine;

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
                    TransformRows(tensor.View, rows, length, inverse); // already interleaved complex float32: in place
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
            using var work = RealRowSpectra(tensor);
            long count = (long)tensor.Channels * tensor.Samples;
            analyticWeights ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(FftKernels.AnalyticWeights);
            analyticWeights(Threads(count), work.View, tensor.Samples);
            TransformRows(work.View, tensor.Channels, tensor.Samples, inverse: true);
            StoreWork(work, tensor.View, count, magnitude: true);
        }
    }

    public void Fk(float[] input, int channels, int samples, double scale, float[] output) =>
        Fk(input, channels, samples, scale, output, halfTime: false);

    public void FkHalf(float[] input, int channels, int samples, double scale, float[] output) =>
        Fk(input, channels, samples, scale, output, halfTime: true);

    private void Fk(float[] input, int channels, int samples, double scale, float[] output, bool halfTime)
    {
        int bins = halfTime ? samples / 2 + 1 : samples;
        string kernel = halfTime ? nameof(FkHalf) : nameof(Fk);
        CheckShape(input.LongLength, channels, samples, nameof(input));
        CheckShape(output.LongLength, channels, 2 * bins, nameof(output));
        if (UseDevice(kernel))
        {
            try
            {
                using DeviceTensor record = Upload(input, channels, samples);
                using (EnterDevice())
                {
                    using DeviceTensor spectrum = Allocate(channels, 2 * bins);
                    using var work = RealSpectrum2D(record, mirror: !halfTime);
                    if (halfTime)
                    {
                        storeHalfShifted ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, double>(FftKernels.StoreHalfShifted);
                        storeHalfShifted(Threads((long)channels * bins), work.View, spectrum.View, channels, samples, scale);
                    }
                    else
                    {
                        storeShifted ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, double>(FftKernels.StoreShifted);
                        storeShifted(Threads((long)channels * samples), work.View, spectrum.View, channels, samples, scale);
                    }
                    Download(spectrum, output);
                }
                return;
            }
            catch (Exception e) when (FallsBack(kernel, e))
            {
            }
        }
        if (halfTime) Fallback.FkHalf(input, channels, samples, scale, output);
        else Fallback.Fk(input, channels, samples, scale, output);
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
            using var work = RealSpectrum2D(record, mirror: true);
            multiplyByMask ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(FftKernels.MultiplyByMask);
            multiplyByMask(Threads((long)channels * samples), work.View, weights.View);
            Transform2D(work.View, channels, samples, inverse: true);
            StoreWork(work, record.View, (long)channels * samples, magnitude: false);
        }
    }

    /// <summary>What runs this backend's FFTs: cuFFT and its version, or our own kernels and why not cuFFT.</summary>
    internal string FftEngine
    {
        get
        {
            using (EnterDevice()) return ProbeFft();
        }
    }

    /// <summary>Test seam: run our own kernels even where cuFFT loads, so a CUDA machine checks both.</summary>
    internal void UseOwnFftKernels()
    {
        using (EnterDevice())
        {
            cuFft?.Dispose();
            cuFft = null;
            fftEngine = "own Stockham kernels (requested)";
        }
    }

    /// <summary>
    /// Benchmark seam: the mean time of one in-place 2-D FFT of a device-resident [rows, columns] complex block (the FK
    /// transform without its copies), after one untimed run that makes plans and tables.
    /// </summary>
    internal TimeSpan TimeTransform2D(int rows, int columns, int repetitions)
    {
        using (EnterDevice())
        {
            using var work = accelerator.Allocate1D<float>(2L * rows * columns);
            work.MemSetToZero();
            Transform2D(work.View, rows, columns, inverse: false);
            accelerator.Synchronize();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int i = 0; i < repetitions; i++) Transform2D(work.View, rows, columns, inverse: false);
            accelerator.Synchronize();
            return System.Diagnostics.Stopwatch.GetElapsedTime(start) / repetitions;
        }
    }

    private void DisposeFft()
    {
        cuFft?.Dispose();
        fftTables.Dispose();
    }

    /// <summary>Opens cuFFT on the first FFT (inside a device step); on a CUDA device that cannot use it, logs why once.</summary>
    private string ProbeFft()
    {
        if (fftEngine is not null) return fftEngine;
        cuFft = CuFftLines.TryOpen(accelerator, out string reason);
        fftEngine = cuFft is not null ? reason : $"own Stockham kernels ({reason})";
        if (cuFft is null && accelerator is CudaAccelerator)
        {
            log($"resif-gpu: {Name}: cuFFT unused, FFTs run on our own kernels: {reason}");
        }
        return fftEngine;
    }

    /// <summary>The tensor's real values as complex float32 (zero imaginary parts). Caller is inside EnterDevice.</summary>
    private MemoryBuffer1D<float, Stride1D.Dense> LoadWork(DeviceTensor tensor)
    {
        long values = (long)tensor.Channels * tensor.Samples;
        var work = accelerator.Allocate1D<float>(Math.Max(1L, 2 * values));
        fftLoad ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(FftKernels.Load);
        if (values > 0) fftLoad(Threads(values), tensor.View, work.View);
        return work;
    }

    /// <summary>
    /// The complex spectrum of each real row of the tensor, [channels, samples] complex. Our kernels transform two real
    /// rows as one complex row (real and imaginary parts) and separate the two spectra by their Hermitian symmetry:
    /// half the row transforms. cuFFT transforms the rows as they are. Caller is inside EnterDevice.
    /// </summary>
    private MemoryBuffer1D<float, Stride1D.Dense> RealRowSpectra(DeviceTensor tensor)
    {
        int rows = tensor.Channels, length = tensor.Samples;
        ProbeFft();
        if (cuFft is not null || (long)rows * length == 0)
        {
            var loaded = LoadWork(tensor);
            TransformRows(loaded.View, rows, length, inverse: false);
            return loaded;
        }
        packRealRows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(FftKernels.PackRealRows);
        unpackRealRows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(FftKernels.UnpackRealRows);
        int pairs = (rows + 1) / 2;
        var work = accelerator.Allocate1D<float>(2L * rows * length);
        try
        {
            using var packed = accelerator.Allocate1D<float>(2L * pairs * length);
            packRealRows(Threads((long)pairs * length), tensor.View, packed.View, rows, length);
            TransformRows(packed.View, pairs, length, inverse: false);
            unpackRealRows(Threads((long)pairs * length), packed.View, work.View, rows, length);
            accelerator.Synchronize(); // the packed rows are released on return
            return work;
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The 2-D spectrum of the real tensor: cuFFT's 2-D plan, or our real-row spectra then half the columns; without
    /// <paramref name="mirror"/> our path leaves columns above n/2 unfilled (callers that read only the rfft half).
    /// </summary>
    private MemoryBuffer1D<float, Stride1D.Dense> RealSpectrum2D(DeviceTensor tensor, bool mirror)
    {
        ProbeFft();
        if (cuFft is not null)
        {
            var loaded = LoadWork(tensor);
            Transform2D(loaded.View, tensor.Channels, tensor.Samples, inverse: false);
            return loaded;
        }
        // Real data: columns k ≤ n/2 are transformed, the others are their mirrored conjugates (half the column work).
        int rows = tensor.Channels, columns = tensor.Samples;
        var work = RealRowSpectra(tensor);
        TransformLines(work.View, lines: Math.Min(columns, columns / 2 + 1), rows, lineStride: 1, elementStride: columns, inverse: false);
        long mirrored = (long)rows * (columns - columns / 2 - 1);
        if (mirror && mirrored > 0)
        {
            fillHermitian ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int>(FftKernels.FillHermitian);
            fillHermitian(Threads(mirrored), work.View, rows, columns);
        }
        return work;
    }

    /// <summary>Writes the real parts or magnitudes of <paramref name="count"/> work values as float32; synchronises so the work buffer can go.</summary>
    private void StoreWork(MemoryBuffer1D<float, Stride1D.Dense> work, ArrayView<float> target, long count, bool magnitude)
    {
        fftStore ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(FftKernels.Store);
        if (count > 0) fftStore(Threads(count), work.View, target, magnitude ? 1 : 0);
        accelerator.Synchronize();
    }

    /// <summary>
    /// In-place FFT of each row of a row-major [rows, length] interleaved complex float32 buffer (NumPy's conventions:
    /// the inverse is scaled by 1/length). Caller is inside EnterDevice.
    /// </summary>
    internal void TransformRows(ArrayView<float> work, int rows, int length, bool inverse) =>
        TransformLines(work, rows, length, lineStride: length, elementStride: 1, inverse);

    /// <summary>In-place FFT of each column of a row-major [rows, columns] complex buffer. Caller is inside EnterDevice.</summary>
    internal void TransformColumns(ArrayView<float> work, int rows, int columns, bool inverse) =>
        TransformLines(work, columns, rows, lineStride: 1, elementStride: columns, inverse);

    /// <summary>In-place 2-D FFT of a row-major [rows, columns] complex buffer: one cuFFT 2-D plan, or rows then columns.</summary>
    internal void Transform2D(ArrayView<float> work, int rows, int columns, bool inverse)
    {
        if (rows == 0 || columns == 0) return;
        ProbeFft();
        if (cuFft is not null && rows > 1 && columns > 1 && cuFft.TryTransform2D(work, rows, columns, inverse))
        {
            if (inverse) ScaleLines(work, new FftPass(rows * columns, 1, 1, 1, 0, 1, 1f, 1f), 1f / ((float)rows * columns));
            return;
        }
        TransformRows(work, rows, columns, inverse);
        TransformColumns(work, rows, columns, inverse);
    }

    private void TransformLines(ArrayView<float> work, int lines, int length, int lineStride, int elementStride, bool inverse)
    {
        if (lines == 0 || length <= 1) return;
        ProbeFft();
        fftTables.TrimIfFull(accelerator); // here no table is held yet
        if (cuFft is not null && cuFft.TryTransformLines(work, lines, length, lineStride, elementStride, inverse))
        {
            if (inverse) ScaleLines(work, new FftPass(length, 1, 1, lines, lineStride, elementStride, 1f, 1f), 1f / length);
            return;
        }
        if (FftFactors.Radices(length) is { } radices)
        {
            SmoothLines(work, lines, length, lineStride, elementStride, inverse, radices);
        }
        else
        {
            BluesteinLines(work, lines, length, lineStride, elementStride, inverse);
        }
    }

    /// <summary>Lengths of radices 2, 3, 4, 5: contiguous short rows in shared memory, anything else pass by pass in global memory.</summary>
    private void SmoothLines(ArrayView<float> work, int lines, int length, int lineStride, int elementStride, bool inverse, int[] radices)
    {
        if (elementStride == 1 && lineStride == length && length <= FftKernels.SharedRowLength)
        {
            SharedMemoryRows(work, lines, length, inverse, radices);
        }
        else
        {
            StockhamLines(work, lines, length, lineStride, elementStride, inverse, radices);
        }
    }

    private void ScaleLines(ArrayView<float> work, FftPass lines, float factor)
    {
        scaleLines ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, FftPass, float>(FftKernels.ScaleLines);
        scaleLines(Threads((long)lines.Lines * lines.Length), work, lines, factor);
    }

    /// <summary>Contiguous rows short enough for shared memory: all passes of a row in one group, one launch in all.</summary>
    private void SharedMemoryRows(ArrayView<float> work, int rows, int length, bool inverse, int[] radices)
    {
        sharedRows ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, SharedRowsPlan>(FftKernels.SharedRows);
        // A thread per butterfly of the widest pass (radix 2 at most once, so n/2 bounds it), in whole warps, at most 256.
        int warp = Math.Max(1, accelerator.WarpSize);
        int threads = Math.Min(Math.Min(256, accelerator.MaxNumThreadsPerGroup), (length / 2 + warp - 1) / warp * warp);
        sharedRows(new KernelConfig(rows, threads), work, fftTables.Twiddles(accelerator, length).View, SharedRowsPlan.Create(length, radices, inverse));
    }

    /// <summary>
    /// One Stockham pass per radix, alternating between the work buffer and a scratch buffer of the same layout (and a
    /// copy back when the pass count is odd). float32 throughout: the error stays within a few float32 roundings of the
    /// output's scale (log_radix(n) passes), well inside the 1e-5-of-peak tolerance the tests hold against NumPy.
    /// </summary>
    private void StockhamLines(ArrayView<float> work, int lines, int length, int lineStride, int elementStride, bool inverse, int[] radices)
    {
        fftPass ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass>(FftKernels.Pass);
        copyLines ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, FftPass>(FftKernels.CopyLines);
        var twiddles = fftTables.Twiddles(accelerator, length);
        using var scratch = accelerator.Allocate1D<float>(work.Length);
        ArrayView<float> source = work, target = scratch.View;
        float direction = inverse ? -1f : 1f;
        int span = 1;
        for (int p = 0; p < radices.Length; p++)
        {
            float scale = inverse && p == radices.Length - 1 ? 1f / length : 1f;
            var pass = new FftPass(length, radices[p], span, lines, lineStride, elementStride, direction, scale);
            fftPass(Threads((long)lines * (length / radices[p])), source, target, twiddles.View, pass);
            (source, target) = (target, source);
            span *= radices[p];
        }
        if (radices.Length % 2 == 1)
        {
            copyLines(Threads((long)lines * length), source, work, new FftPass(length, 1, 1, lines, lineStride, elementStride, 1f, 1f));
        }
        accelerator.Synchronize(); // the scratch buffer is released on return
    }

    /// <summary>
    /// Lengths with a prime factor above 5: Bluestein's chirp-z transform through Stockham FFTs (rows of the scratch) of the next 2,3,5-smooth
    /// length ≥ 2n − 1, in float32 (the chirp computed in float64 on the host).
    /// </summary>
    private void BluesteinLines(ArrayView<float> work, int lines, int length, int lineStride, int elementStride, bool inverse)
    {
        int padded = FftFactors.NextSmooth(checked(2 * length - 1));
        int[] radices = FftFactors.Radices(padded)!;
        var shape = new BluesteinLines(length, padded, lineStride, elementStride, inverse ? 1 : 0);
        bluesteinFilter ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(BluesteinKernels.Filter);
        bluesteinLoad ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BluesteinLines>(BluesteinKernels.Load);
        bluesteinMultiply ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(BluesteinKernels.MultiplyByFilter);
        bluesteinStore ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BluesteinLines>(BluesteinKernels.Store);

        var chirp = fftTables.Chirp(accelerator, length);
        using var filter = accelerator.Allocate1D<float>(2L * padded);
        using var scratch = accelerator.Allocate1D<float>(checked(2L * lines * padded));
        bluesteinFilter(padded, chirp.View, filter.View, length, padded);
        SmoothLines(filter.View, 1, padded, padded, 1, inverse: false, radices);
        bluesteinLoad(Threads((long)lines * padded), work, scratch.View, chirp.View, shape);
        SmoothLines(scratch.View, lines, padded, padded, 1, inverse: false, radices);
        bluesteinMultiply(Threads((long)lines * padded), scratch.View, filter.View, padded);
        SmoothLines(scratch.View, lines, padded, padded, 1, inverse: true, radices);
        bluesteinStore(Threads((long)lines * length), scratch.View, work, chirp.View, shape);
        accelerator.Synchronize(); // the filter and scratch are released on return
    }

    /// <summary>
    /// In-place FFT of each row of a row-major [rows, length] interleaved complex float64 buffer, for the device station
    /// beam's float64 windows (see <see cref="Float64FftKernels"/> for why not float32): one thread per row, radix 2
    /// (Bluestein for other lengths); slow on a GPU compared with the float32 path. Caller is inside EnterDevice.
    /// </summary>
    internal void TransformRows(MemoryBuffer1D<double, Stride1D.Dense> work, int rows, int length, bool inverse)
    {
        if (rows == 0 || length <= 1) return;
        if (!BitOperations.IsPow2(length))
        {
            Float64BluesteinRows(work, rows, length, inverse);
            return;
        }
        using var twiddles = accelerator.Allocate1D(Float64Twiddles(length));
        Float64Radix2Rows(work.View, twiddles.View, rows, new FftLines(length, BitOperations.Log2((uint)length), length, 1, inverse ? 1 : 0));
        accelerator.Synchronize(); // the twiddle table is released on return
    }

    private void Float64Radix2Rows(ArrayView<double> work, ArrayView<double> twiddles, int rows, FftLines shape)
    {
        float64Transform ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, FftLines>(Float64FftKernels.Transform);
        float64Transform(rows, work, twiddles, shape);
    }

    /// <summary>Bluestein's transform in float64 through radix-2 FFTs of the next power of two ≥ 2n − 1.</summary>
    private void Float64BluesteinRows(MemoryBuffer1D<double, Stride1D.Dense> work, int rows, int length, bool inverse)
    {
        int padded = checked((int)BitOperations.RoundUpToPowerOf2((uint)(2 * length - 1)));
        var forward = new FftLines(padded, BitOperations.Log2((uint)padded), lineStride: padded, elementStride: 1, inverse: 0);
        var shape = new BluesteinLines(length, padded, lineStride: length, elementStride: 1, inverse ? 1 : 0);
        float64BluesteinFilter ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, int>(Float64BluesteinKernels.Filter);
        float64BluesteinLoad ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>(Float64BluesteinKernels.Load);
        float64BluesteinMultiply ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int>(Float64BluesteinKernels.MultiplyByFilter);
        float64BluesteinStore ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, BluesteinLines>(Float64BluesteinKernels.Store);

        var chirpTable = new double[2 * length]; // exp(−πi k²/n), k² reduced mod 2n so the angle stays exact
        for (int k = 0; k < length; k++)
        {
            double angle = -Math.PI * ((long)k * k % (2L * length)) / length;
            chirpTable[2 * k] = Math.Cos(angle);
            chirpTable[2 * k + 1] = Math.Sin(angle);
        }
        using var chirp = accelerator.Allocate1D(chirpTable);
        using var twiddles = accelerator.Allocate1D(Float64Twiddles(padded));
        using var filter = accelerator.Allocate1D<double>(2L * padded);
        using var scratch = accelerator.Allocate1D<double>(2L * rows * padded);
        float64BluesteinFilter(padded, chirp.View, filter.View, length, padded);
        Float64Radix2Rows(filter.View, twiddles.View, 1, forward);
        float64BluesteinLoad(Threads((long)rows * padded), work.View, scratch.View, chirp.View, shape);
        Float64Radix2Rows(scratch.View, twiddles.View, rows, forward);
        float64BluesteinMultiply(Threads((long)rows * padded), scratch.View, filter.View, padded);
        Float64Radix2Rows(scratch.View, twiddles.View, rows, new FftLines(padded, forward.Log2Length, padded, 1, inverse: 1));
        float64BluesteinStore(Threads((long)rows * length), scratch.View, work.View, chirp.View, shape);
        accelerator.Synchronize(); // the tables and scratch are released on return
    }

    /// <summary>exp(−2πi k/n) for k &lt; n/2, interleaved float64.</summary>
    private static double[] Float64Twiddles(int length)
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
