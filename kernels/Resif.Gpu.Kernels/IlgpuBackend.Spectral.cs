using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>Detector family on the device: STA/LTA (classic, recursive), windowed RMS, abs, normalisation.</summary>
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
        lock (gate)
        {
            var kernel = recursive
                ? recursiveStaLta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.RecursiveStaLta)
                : classicStaLta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.ClassicStaLta);
            DeviceTensor output = Allocate(tensor.Channels, tensor.Samples);
            if (tensor.Channels > 0) kernel(tensor.Channels, tensor.View, output.View, new EnergyWindows(tensor.Samples, shortWindow, longWindow));
            return output;
        }
    }

    /// <summary>RMS of consecutive non-overlapping windows: [channels, samples / window] (a trailing partial window is dropped).</summary>
    internal DeviceTensor WindowRms(DeviceTensor tensor, int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "must be at least one sample");
        lock (gate)
        {
            windowRms ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.WindowRms);
            int windows = tensor.Samples / window;
            DeviceTensor output = Allocate(tensor.Channels, windows);
            long count = (long)tensor.Channels * windows;
            if (count > 0) windowRms(Threads(count), tensor.View, output.View, new EnergyWindows(tensor.Samples, window, window));
            return output;
        }
    }

    internal void Abs(DeviceTensor tensor) => Abs(tensor.View, (long)tensor.Channels * tensor.Samples);

    private void Abs(ArrayView<float> data, long count)
    {
        if (count == 0) return;
        lock (gate)
        {
            abs ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(DetectorKernels.Abs);
            abs(Threads(count), data);
        }
    }

    internal void Normalize(DeviceTensor tensor, bool byStd)
    {
        if (tensor.Channels == 0 || tensor.Samples == 0) return;
        lock (gate)
        {
            normalize ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int>(DetectorKernels.Normalize);
            normalize(tensor.Channels, tensor.View, tensor.Samples, byStd ? 1 : 0);
        }
    }
}
