using ILGPU;
using ILGPU.Runtime;
using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// The ILGPU backend: one accelerator (CUDA, OpenCL or ILGPU's CPU emulator) and its kernels. Device-level operations
/// (internal, on <see cref="DeviceTensor"/>) let a chain upload once and download once; the kernel-family methods
/// wrap one upload, the kernels and one download. Kernel families live in partial files. Built by
/// <see cref="IlgpuBackendProvider"/>. Calls are serialised: one accelerator stream, one caller at a time.
/// </summary>
public sealed partial class IlgpuBackend : IBackend, IFilterKernels, ISpectralKernels
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly Lock gate = new();

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

    /// <summary>The plain CPU backend, for the kernel-family methods this backend does not port (see <see cref="DelegatedToCpu"/>).</summary>
    internal CpuBackend Fallback { get; } = new();

    /// <summary>Takes ownership of <paramref name="context"/>; releases it when the accelerator cannot be created.</summary>
    internal static IlgpuBackend Open(Context context, Func<Context, Device> pick, string name)
    {
        Accelerator? accelerator = null;
        try
        {
            accelerator = pick(context).CreateAccelerator(context);
            var backend = new IlgpuBackend(context, accelerator, name);
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
        Fallback.Dispose();
        accelerator.Dispose();
        context.Dispose();
    }

    internal DeviceTensor Upload(ReadOnlySpan<float> values, int channels, int samples)
    {
        long count = (long)channels * samples;
        if (channels < 0 || samples < 0 || values.Length < count) throw new ArgumentException($"{values.Length} values do not fill [{channels}, {samples}]");
        lock (gate)
        {
            DeviceTensor tensor = Allocate(channels, samples);
            tensor.View.SubView(0, count).CopyFromCPU(values[..(int)count]);
            return tensor;
        }
    }

    internal void Download(DeviceTensor tensor, Span<float> destination)
    {
        long count = (long)tensor.Channels * tensor.Samples;
        if (destination.Length < count) throw new ArgumentException($"destination holds {destination.Length} values, tensor {count}");
        lock (gate)
        {
            accelerator.Synchronize();
            tensor.View.SubView(0, count).CopyToCPU(destination[..(int)count]);
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
    /// provenance: FFT sizes that are not powers of two (the device FFT is radix-2; ILGPU's cuFFT binding is
    /// CUDA-only) and the frequency-domain beam (per-window FFTs).
    /// </summary>
    public static IReadOnlyList<string> DelegatedToCpu { get; } =
    [
        $"{nameof(ComplexFft)}, {nameof(Envelope)}: lengths that are not powers of two",
        $"{nameof(Fk)}, {nameof(FkMask)}: channel or sample counts that are not powers of two",
        $"{nameof(SlownessBeam)}: frequency domain",
        $"{nameof(StationBeam)}: always (per-window cross-spectral matrices and pseudo-inverses)",
        $"{nameof(SosFilterContinue)}: always (time-chunked causal filtering carries a small state per call)",
    ];

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
