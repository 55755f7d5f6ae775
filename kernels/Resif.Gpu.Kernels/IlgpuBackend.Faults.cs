using System.Diagnostics.Metrics;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// What happens when the device fails mid-request. Every kernel-family method validates its arguments, then tries the
/// device; the device path reads the caller's input only through uploads and writes the caller's memory only in its
/// final download (in-place kernels download through a staging copy), so when a device step throws, the caller's
/// arrays are intact and the same call is rerun on the CPU backend. The request goes on; the warning is logged once
/// per backend and every rerun is counted on <see cref="FallbackCounterName"/>.
/// <para>
/// Policy: running out of device memory is transient — that call runs on the CPU and the next call tries the device
/// again. Any other failure (a lost device, a failed launch, a driver or ILGPU error) disables the device for the rest
/// of the process: CUDA errors of that kind are sticky in the context, so retrying would only fail again. From then on
/// every call runs on the CPU backend and <see cref="Device"/> says so (restart the server to use the device again).
/// Argument errors and cancellation are the caller's, not the device's: they propagate unchanged.
/// </para>
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>The meter of every ILGPU backend (one <see cref="Meter"/> instance per backend, so tests can tell them apart).</summary>
    public const string MeterName = "Resif.Gpu.Kernels";

    /// <summary>Counter of kernel calls rerun on the CPU backend, tagged with the kernel and the cause.</summary>
    public const string FallbackCounterName = "resif_gpu.backend.fallbacks";

    private readonly Action<string> log;
    private readonly Counter<long> fallbacks;
    private string? disabledReason;
    private int warnedOutOfMemory;
    private int pendingFaults, stepsBeforeFaults;
    private Func<Exception>? faultFactory;
    private long uploads, downloads;

    /// <summary>The meter holding <see cref="FallbackCounterName"/> for this backend.</summary>
    public Meter Meter { get; }

    /// <summary>Why the device was disabled after a failure, or null while it is in use.</summary>
    public string? DisabledReason => Volatile.Read(ref disabledReason);

    /// <summary>Data blocks copied to the device since the backend opened (small parameter tables are not counted).</summary>
    internal long Uploads => Interlocked.Read(ref uploads);

    /// <summary>Data blocks copied back from the device since the backend opened.</summary>
    internal long Downloads => Interlocked.Read(ref downloads);

    /// <summary>
    /// Test seam: after <paramref name="after"/> more device steps (an allocation and upload, a kernel launch, a
    /// download), the next <paramref name="steps"/> throw <paramref name="fault"/>'s exception (default: a simulated
    /// lost device) instead of running.
    /// </summary>
    internal void FailDeviceSteps(int steps, int after = 0, Func<Exception>? fault = null)
    {
        using (gate.EnterScope())
        {
            faultFactory = fault ?? (() => new SimulatedDeviceFault("simulated device loss (test fault injection)"));
            stepsBeforeFaults = after;
            pendingFaults = steps;
        }
    }

    /// <summary>
    /// Enters one device step: takes the accelerator lock and makes the accelerator current on this thread. ILGPU
    /// documents accelerator members as not thread safe (kernel cache, allocations and the default stream are shared),
    /// and a CUDA context is current per thread while requests run on any thread-pool thread, hence both. Throws when
    /// the device is disabled or a fault is injected, so the caller falls back.
    /// </summary>
    private Lock.Scope EnterDevice()
    {
        Lock.Scope scope = gate.EnterScope();
        try
        {
            if (DisabledReason is { } reason) throw new DeviceDisabledException(reason);
            if (pendingFaults > 0 && stepsBeforeFaults-- <= 0)
            {
                pendingFaults--;
                throw faultFactory!();
            }
            accelerator.Bind();
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>True when the call should try the device; false (and the call counted) when the device is disabled.</summary>
    private bool UseDevice(string kernel)
    {
        if (DisabledReason is null) return true;
        fallbacks.Add(1, new("kernel", kernel), new("cause", "device_disabled"));
        return false;
    }

    /// <summary>
    /// Exception filter of a device attempt: true (the caller reruns on the CPU) for a device failure, after logging,
    /// counting and, unless the device only ran out of memory, disabling it; false for errors that are not the device's.
    /// </summary>
    private bool FallsBack(string kernel, Exception error)
    {
        if (error is ArgumentException or InvalidRequestException or OperationCanceledException) return false;
        string failure = $"{kernel}: {error.GetType().Name}: {error.Message}";
        string cause =
            error is DeviceDisabledException ? "device_disabled" : // another call disabled it while this one was on the device
            IsOutOfDeviceMemory(error) ? "out_of_memory" :
            "device_error";
        fallbacks.Add(1, new("kernel", kernel), new("cause", cause));
        if (cause == "device_error" && Interlocked.CompareExchange(ref disabledReason, failure, null) is null)
        {
            log($"resif-gpu: warning: {Name} failed ({failure}); the call reruns on the CPU backend and the device is disabled for the rest of this process");
        }
        else if (cause == "out_of_memory" && Interlocked.Exchange(ref warnedOutOfMemory, 1) == 0)
        {
            log($"resif-gpu: warning: {Name} ran out of device memory ({failure}); such calls rerun on the CPU backend (logged once)");
        }
        return true;
    }

    /// <summary>ILGPU's CudaException carries the driver error's name, CLException the OpenCL error code.</summary>
    private static bool IsOutOfDeviceMemory(Exception error) => error is OutOfMemoryException
        || error is CudaException { Error: nameof(CudaError.CUDA_ERROR_OUT_OF_MEMORY) }
        || error is CLException { Error: CLError.CL_MEM_OBJECT_ALLOCATION_FAILURE or CLError.CL_OUT_OF_RESOURCES or CLError.CL_OUT_OF_HOST_MEMORY };
}
