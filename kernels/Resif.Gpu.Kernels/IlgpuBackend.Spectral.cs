using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Spectral family: STA/LTA (classic, recursive), windowed RMS, abs and normalisation on the device; the FFT-based
/// methods are in IlgpuBackend.Fft.cs, the beams in IlgpuBackend.Beam.cs.
/// </summary>
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>? classicStaLta;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>? recursiveStaLta;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>? windowRms;
    private Action<Index1D, ArrayView<float>>? abs;
    private Action<Index1D, ArrayView<float>, int, int>? normalize;

    internal DeviceTensor StaLta(DeviceTensor tensor, int shortWindow, int longWindow, bool recursive)
    {
        if (shortWindow < 1) throw new ArgumentOutOfRangeException(nameof(shortWindow), shortWindow, "must be at least one sample");
        if (longWindow <= shortWindow) throw new ArgumentOutOfRangeException(nameof(longWindow), longWindow, "must be longer than the short window");
        using (EnterDevice())
        {
            var kernel = recursive
                ? recursiveStaLta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.RecursiveStaLta)
                : classicStaLta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.ClassicStaLta);
            DeviceTensor output = Allocate(tensor.Channels, tensor.Samples);
            try
            {
                if (tensor.Channels > 0) kernel(tensor.Channels, tensor.View, output.View, new EnergyWindows(tensor.Samples, shortWindow, longWindow));
                return output;
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
    }

    /// <summary>RMS of consecutive non-overlapping windows: [channels, samples / window] (a trailing partial window is dropped).</summary>
    internal DeviceTensor WindowRms(DeviceTensor tensor, int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "must be at least one sample");
        using (EnterDevice())
        {
            windowRms ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.WindowRms);
            int windows = tensor.Samples / window;
            DeviceTensor output = Allocate(tensor.Channels, windows);
            try
            {
                long count = (long)tensor.Channels * windows;
                if (count > 0) windowRms(Threads(count), tensor.View, output.View, new EnergyWindows(tensor.Samples, window, window));
                return output;
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
    }

    internal void Abs(DeviceTensor tensor)
    {
        long count = (long)tensor.Channels * tensor.Samples;
        if (count == 0) return;
        using (EnterDevice())
        {
            abs ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(DetectorKernels.Abs);
            abs(Threads(count), tensor.View);
        }
    }

    internal void Normalize(DeviceTensor tensor, bool byStd)
    {
        if (tensor.Channels == 0 || tensor.Samples == 0) return;
        using (EnterDevice())
        {
            normalize ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int>(DetectorKernels.Normalize);
            normalize(tensor.Channels, tensor.View, tensor.Samples, byStd ? 1 : 0);
        }
    }

    public void StaLta(float[] input, float[] output, int rows, int columns, int nsta, int nlta, bool recursive)
    {
        CheckShape(input.LongLength, rows, columns, nameof(input));
        CheckShape(output.LongLength, rows, columns, nameof(output));
        if (nsta < 1 || nlta <= nsta) throw new ArgumentException($"need 1 <= nsta < nlta, got {nsta}, {nlta}");
        if (UseDevice(nameof(StaLta)))
        {
            try
            {
                using DeviceTensor tensor = Upload(input, rows, columns);
                using DeviceTensor ratio = StaLta(tensor, nsta, nlta, recursive);
                Download(ratio, output);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(StaLta), e))
            {
            }
        }
        Fallback.StaLta(input, output, rows, columns, nsta, nlta, recursive);
    }

    public void WindowRms(float[] input, float[] output, int rows, int columns, int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window));
        CheckShape(input.LongLength, rows, columns, nameof(input));
        CheckShape(output.LongLength, rows, columns / window, nameof(output));
        if (UseDevice(nameof(WindowRms)))
        {
            try
            {
                using DeviceTensor tensor = Upload(input, rows, columns);
                using DeviceTensor rms = WindowRms(tensor, window);
                Download(rms, output);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(WindowRms), e))
            {
            }
        }
        Fallback.WindowRms(input, output, rows, columns, window);
    }

    public void Abs(float[] data, long count)
    {
        if (count < 0 || count > data.LongLength) throw new ArgumentException($"holds {data.LongLength} floats, {count} needed", nameof(data));
        if (UseDevice(nameof(Abs)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, 1, checked((int)count));
                Abs(tensor);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(Abs), e))
            {
            }
        }
        Fallback.Abs(data, count);
    }

    public void Normalize(float[] data, int rows, int columns, bool byStd)
    {
        CheckShape(data.LongLength, rows, columns, nameof(data));
        if (UseDevice(nameof(Normalize)))
        {
            try
            {
                using DeviceTensor tensor = Upload(data, rows, columns);
                Normalize(tensor, byStd);
                DownloadInPlace(tensor, data);
                return;
            }
            catch (Exception e) when (FallsBack(nameof(Normalize), e))
            {
            }
        }
        Fallback.Normalize(data, rows, columns, byStd);
    }
}
