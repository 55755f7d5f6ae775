using System.Buffers;
using System.Diagnostics.Metrics;
using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// The ILGPU backend: one accelerator (CUDA, OpenCL or ILGPU's CPU emulator) and its kernels. Device-level operations
/// (internal, on <see cref="DeviceTensor"/>) let a chain upload once and download once; the kernel-family methods
/// wrap one upload, the kernels and one download. Kernel families live in partial files. Built by
/// <see cref="IlgpuBackendProvider"/>. Safe to share between requests: every device step holds one lock (see
/// <see cref="EnterDevice"/>), and a failing device step is rerun on the CPU backend (IlgpuBackend.Faults.cs).
/// </summary>
public sealed partial class IlgpuBackend : IBackend, IFilterKernels, ISpectralKernels
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly Lock gate = new();

    private IlgpuBackend(Context context, Accelerator accelerator, string name, Action<string> log)
    {
        this.context = context;
        this.accelerator = accelerator;
        this.log = log;
        Name = name;
        UseMemoryFraction(DefaultMemoryFraction);
        Meter = new Meter(MeterName);
        fallbacks = Meter.CreateCounter<long>(FallbackCounterName, "{call}", "Kernel calls rerun on the CPU backend because the device failed or was disabled");
    }

    public string Name { get; }

    public string Device => DisabledReason is { } reason
        ? $"{accelerator.Name} ({accelerator.AcceleratorType}) disabled after a device failure, running on the CPU backend: {reason}"
        : $"{accelerator.Name} ({accelerator.AcceleratorType}, {accelerator.MemorySize >> 20} MiB)";

    public IFilterKernels Filters => this;

    public ISpectralKernels Spectral => this;

    /// <summary>The plain CPU backend, which reruns a kernel call when the device fails or is disabled (IlgpuBackend.Faults.cs).</summary>
    internal CpuBackend Fallback { get; } = new();

    /// <summary>Takes ownership of <paramref name="context"/>; releases it when the accelerator cannot be created.</summary>
    internal static IlgpuBackend Open(Context context, Func<Context, Device> pick, string name, Action<string> log)
    {
        Accelerator? accelerator = null;
        try
        {
            accelerator = pick(context).CreateAccelerator(context);
            var backend = new IlgpuBackend(context, accelerator, name, log);
            backend.SmokeTest();
            return backend;
        }
        catch
        {
            accelerator?.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Compiles and runs one kernel with a round trip, so a device that lists fine but cannot build or launch kernels
    /// (broken driver, missing JIT support) fails here — where "auto" can fall back — rather than mid-request.
    /// </summary>
    private void SmokeTest()
    {
        float[] probe = [-1.5f, 2f, -0f, 3.25f];
        using DeviceTensor tensor = Upload(probe, 1, probe.Length);
        Abs(tensor);
        float[] back = Download(tensor);
        if (!back.SequenceEqual(probe.Select(Math.Abs))) throw new InvalidOperationException($"{Name} returned wrong values from its smoke test");
    }

    public void Dispose()
    {
        Meter.Dispose();
        Fallback.Dispose();
        DisposeFft(); // cuFFT plans and tables live in the accelerator's context
        DisposeStagingPool();
        accelerator.Dispose();
        context.Dispose();
    }

    /// <summary>Copies a block to the device (one counted upload).</summary>
    internal DeviceTensor Upload(ReadOnlySpan<float> values, int channels, int samples)
    {
        long count = (long)channels * samples;
        if (channels < 0 || samples < 0 || values.Length < count) throw new ArgumentException($"{values.Length} values do not fill [{channels}, {samples}]");
        using (EnterDevice())
        {
            DeviceTensor tensor = Allocate(channels, samples);
            try
            {
                tensor.View.SubView(0, count).CopyFromCPU(values[..(int)count]);
            }
            catch
            {
                tensor.Dispose();
                throw;
            }
            Interlocked.Increment(ref uploads);
            return tensor;
        }
    }

    /// <summary>Waits for the device and copies the tensor into <paramref name="destination"/> (one counted download).</summary>
    internal void Download(DeviceTensor tensor, Span<float> destination)
    {
        long count = (long)tensor.Channels * tensor.Samples;
        if (destination.Length < count) throw new ArgumentException($"destination holds {destination.Length} values, tensor {count}");
        using (EnterDevice())
        {
            accelerator.Synchronize();
            tensor.View.SubView(0, count).CopyToCPU(destination[..(int)count]);
            Interlocked.Increment(ref downloads);
        }
    }

    /// <summary>
    /// <see cref="Download(DeviceTensor, Span{float})"/> through a host staging copy, for kernels that work in place:
    /// a device that fails mid-copy must not leave the caller's input half overwritten, since the CPU backend then
    /// reruns the call from it.
    /// </summary>
    private void DownloadInPlace(DeviceTensor tensor, Span<float> destination)
    {
        int count = checked(tensor.Channels * tensor.Samples);
        float[] staging = ArrayPool<float>.Shared.Rent(count);
        try
        {
            Download(tensor, staging);
            staging.AsSpan(0, count).CopyTo(destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(staging);
        }
    }

    internal float[] Download(DeviceTensor tensor)
    {
        var values = new float[(long)tensor.Channels * tensor.Samples];
        Download(tensor, values);
        return values;
    }

    /// <summary>
    /// Kernel-family methods, or cases of them, that run on the CPU backend rather than on the device, for honest
    /// provenance. Empty: every method runs on the device (a failing device still falls back, see IlgpuBackend.Faults.cs).
    /// </summary>
    public static IReadOnlyList<string> DelegatedToCpu { get; } = [];

    private static void CheckShape(long length, int rows, int columns, string name)
    {
        if (rows < 0 || columns < 0 || length < (long)rows * columns)
            throw new ArgumentException($"{name} holds {length} values, fewer than {rows} x {columns}", name);
    }

    /// <summary>A tensor of at least one element: ILGPU refuses zero-length buffers on some accelerators.</summary>
    private DeviceTensor Allocate(int channels, int samples) =>
        new(accelerator.Allocate1D<float>(Math.Max(1L, (long)channels * samples)), channels, samples);

    /// <summary>Number of threads for a launch; ILGPU's 1-D index is an int.</summary>
    private static int Threads(long count) =>
        count <= int.MaxValue ? (int)count : throw new ArgumentException($"{count} elements exceed one kernel launch; use smaller channel blocks");
}
