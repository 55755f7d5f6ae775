using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// The ILGPU backend: one accelerator (CUDA, OpenCL or ILGPU's CPU emulator) and its kernels. Device-level operations
/// work on <see cref="DeviceTensor"/>s so a chain uploads once and downloads once; the host-level kernel-family
/// methods wrap one upload, one kernel and one download. Built by <see cref="IlgpuBackendProvider"/>.
/// </summary>
public sealed partial class IlgpuBackend : IBackend, IFilterKernels, ISpectralKernels
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly Lock gate = new();

    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, SosPass>? sosCascade;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, FirDecimation>? firDecimate;
    private Action<Index1D, ArrayView<float>>? abs;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>? classicStaLta;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>? movingRms;

    private IlgpuBackend(Context context, Accelerator accelerator, string name)
    {
        this.context = context;
        this.accelerator = accelerator;
        Name = name;
    }

    public string Name { get; }

    public string Device => $"{accelerator.Name} ({accelerator.AcceleratorType}, {accelerator.MemorySize >> 20} MiB)";

    public IFilterKernels Filters => this;

    public ISpectralKernels Spectral => this;

    /// <summary>The plain CPU backend, for the kernel-family methods this backend does not port (listed in provenance).</summary>
    internal CpuBackend Fallback { get; } = new();

    /// <summary>Takes ownership of <paramref name="context"/>; releases it when the accelerator cannot be created.</summary>
    internal static IlgpuBackend Open(Context context, Func<Context, Device> pick, string name)
    {
        Accelerator? accelerator = null;
        try
        {
            accelerator = pick(context).CreateAccelerator(context);
            return new IlgpuBackend(context, accelerator, name);
        }
        catch
        {
            accelerator?.Dispose();
            context.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Fallback.Dispose();
        accelerator.Dispose();
        context.Dispose();
    }

    internal DeviceTensor Upload(ReadOnlySpan<float> values, int channels, int samples)
    {
        if ((long)channels * samples != values.Length) throw new ArgumentException($"{values.Length} values do not fill [{channels}, {samples}]");
        lock (gate)
        {
            var buffer = accelerator.Allocate1D<float>(Math.Max(1L, values.Length));
            buffer.AsContiguous().SubView(0, values.Length).CopyFromCPU(values);
            return new DeviceTensor(buffer, channels, samples);
        }
    }

    internal void Download(DeviceTensor tensor, Span<float> destination)
    {
        long count = (long)tensor.Channels * tensor.Samples;
        if (destination.Length != count) throw new ArgumentException($"destination holds {destination.Length} values, tensor {count}");
        lock (gate)
        {
            accelerator.Synchronize();
            tensor.View.SubView(0, count).CopyToCPU(destination);
        }
    }

    internal float[] Download(DeviceTensor tensor)
    {
        var values = new float[(long)tensor.Channels * tensor.Samples];
        Download(tensor, values);
        return values;
    }

    /// <summary>
    /// Biquad cascade in place, zero initial state; <paramref name="zeroPhase"/> then runs it again backwards
    /// (ObsPy's zerophase=True: forward, then time-reversed, without padding).
    /// Rows of <paramref name="sos"/> are [b0 b1 b2 a0 a1 a2] as SciPy writes them.
    /// </summary>
    internal void SosFilter(DeviceTensor tensor, ReadOnlySpan<double> sos, bool zeroPhase)
    {
        double[] normalised = NormaliseSections(sos);
        int sections = normalised.Length / 6;
        if (sections == 0 || tensor.Channels == 0 || tensor.Samples == 0) return;
        lock (gate)
        {
            sosCascade ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, SosPass>(FilterKernels.SosCascade);
            using var coefficients = accelerator.Allocate1D(normalised);
            using var state = accelerator.Allocate1D<double>(2L * sections * tensor.Channels);
            sosCascade(tensor.Channels, tensor.View, coefficients.View, state.View, new SosPass(tensor.Channels, tensor.Samples, sections, 0));
            if (zeroPhase) sosCascade(tensor.Channels, tensor.View, coefficients.View, state.View, new SosPass(tensor.Channels, tensor.Samples, sections, 1));
            accelerator.Synchronize();
        }
    }

    /// <summary>
    /// Keeps every <paramref name="factor"/>-th sample of the FIR-filtered signal, evaluating the filter only there:
    /// y[k] = Σ_j taps[j]·x[k·factor + delay − j], k = 0 … outputSamples−1.
    /// </summary>
    internal DeviceTensor FirDecimate(DeviceTensor tensor, ReadOnlySpan<double> taps, int factor, int delay, int outputSamples)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "decimation factor must be at least 1");
        if (taps.IsEmpty) throw new ArgumentException("at least one tap is needed", nameof(taps));
        if (outputSamples < 0) throw new ArgumentOutOfRangeException(nameof(outputSamples), outputSamples, "must not be negative");
        lock (gate)
        {
            firDecimate ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>, FirDecimation>(FilterKernels.FirDecimate);
            long count = (long)tensor.Channels * outputSamples;
            var output = new DeviceTensor(accelerator.Allocate1D<float>(Math.Max(1L, count)), tensor.Channels, outputSamples);
            if (count == 0) return output;
            using var coefficients = accelerator.Allocate1D(taps.ToArray());
            firDecimate(checked((int)count), tensor.View, output.View, coefficients.View,
                new FirDecimation(tensor.Channels, tensor.Samples, outputSamples, factor, delay, taps.Length));
            accelerator.Synchronize();
            return output;
        }
    }

    /// <summary>x[offset], x[offset + factor], … without filtering (the caller filtered already).</summary>
    internal DeviceTensor Downsample(DeviceTensor tensor, int factor, int offset)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "downsampling factor must be at least 1");
        if (offset < 0 || (offset >= factor && tensor.Samples > 0)) throw new ArgumentOutOfRangeException(nameof(offset), offset, "offset must be in [0, factor)");
        int outputSamples = tensor.Samples <= offset ? 0 : (tensor.Samples - offset + factor - 1) / factor;
        return FirDecimate(tensor, [1.0], factor, offset, outputSamples);
    }

    internal void Abs(DeviceTensor tensor)
    {
        long count = (long)tensor.Channels * tensor.Samples;
        if (count == 0) return;
        lock (gate)
        {
            abs ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(FilterKernels.Abs);
            abs(checked((int)count), tensor.View);
        }
    }

    internal DeviceTensor ClassicStaLta(DeviceTensor tensor, int shortWindow, int longWindow)
    {
        if (shortWindow < 1) throw new ArgumentOutOfRangeException(nameof(shortWindow), shortWindow, "must be at least one sample");
        if (longWindow <= shortWindow) throw new ArgumentOutOfRangeException(nameof(longWindow), longWindow, "must be longer than the short window");
        lock (gate)
        {
            classicStaLta ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.ClassicStaLta);
            return PerChannel(classicStaLta, tensor, new EnergyWindows(tensor.Samples, shortWindow, longWindow));
        }
    }

    internal DeviceTensor MovingRms(DeviceTensor tensor, int window)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "must be at least one sample");
        lock (gate)
        {
            movingRms ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows>(DetectorKernels.MovingRms);
            return PerChannel(movingRms, tensor, new EnergyWindows(tensor.Samples, window, window));
        }
    }

    private DeviceTensor PerChannel(Action<Index1D, ArrayView<float>, ArrayView<float>, EnergyWindows> kernel, DeviceTensor tensor, EnergyWindows windows)
    {
        var output = new DeviceTensor(accelerator.Allocate1D<float>(Math.Max(1L, (long)tensor.Channels * tensor.Samples)), tensor.Channels, tensor.Samples);
        if (tensor.Channels > 0) kernel(tensor.Channels, tensor.View, output.View, windows);
        return output;
    }

    /// <summary>Divides each [b0 b1 b2 a0 a1 a2] row by a0 so the kernel can assume a0 = 1.</summary>
    private static double[] NormaliseSections(ReadOnlySpan<double> sos)
    {
        if (sos.Length % 6 != 0) throw new ArgumentException($"SOS coefficients come in rows of 6, got {sos.Length} values", nameof(sos));
        var normalised = sos.ToArray();
        for (int row = 0; row < normalised.Length; row += 6)
        {
            double a0 = normalised[row + 3];
            if (a0 == 0 || !double.IsFinite(a0)) throw new ArgumentException($"section {row / 6} has a0 = {a0}", nameof(sos));
            for (int i = 0; i < 6; i++) normalised[row + i] /= a0;
        }
        return normalised;
    }
}
