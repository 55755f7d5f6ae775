using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels;

/// <summary>
/// Finds every device the server could compute on — the vectorised CPU backend, ILGPU's CPU accelerator, CUDA and
/// OpenCL devices — and says for each whether it is usable and why not. Discovery never throws: a missing driver, a
/// broken ICD or an ILGPU failure makes the device "unusable" with the reason, and the reason is logged.
/// </summary>
public sealed class IlgpuBackendProvider : IBackendProvider
{
    /// <summary>Below this a device cannot hold a useful channel block plus filter scratch.</summary>
    public const long MinimumDeviceMemoryBytes = 256L << 20;

    private readonly Action<string> log;
    private readonly Lazy<IReadOnlyList<ComputeDevice>> devices;
    private readonly ConcurrentDictionary<string, string> startFailures = new();
    private readonly Func<ComputeDevice, IBackend> open;

    /// <param name="log">Receives one line per device that was skipped or failed, and backends' device-failure warnings (default: standard error).</param>
    public IlgpuBackendProvider(Action<string>? log = null)
        : this(log, null)
    {
    }

    /// <summary>Tests replace <paramref name="open"/> to simulate a device that lists fine but fails to start.</summary>
    internal IlgpuBackendProvider(Action<string>? log, Func<ComputeDevice, IBackend>? open)
    {
        this.log = log ?? (line => Console.Error.WriteLine(line));
        this.open = open ?? (device => Open(device, this.log));
        devices = new Lazy<IReadOnlyList<ComputeDevice>>(Discover);
    }

    /// <summary>
    /// Every device looked at, usable or not, in preference order within each kind; a device whose backend failed
    /// to start is listed unusable from then on, with that failure as the reason.
    /// </summary>
    public IReadOnlyList<ComputeDevice> Devices => startFailures.IsEmpty
        ? devices.Value
        : devices.Value.Select(d => startFailures.TryGetValue(d.Id, out string? failure) ? d with { Usable = false, Reason = failure } : d).ToList();

    /// <summary>
    /// "auto" (CUDA, then a working OpenCL device, then the CPU backend), a kind ("cpu", "ilgpu-cpu", "cuda",
    /// "opencl": its first usable device) or an id ("cuda:0", "opencl:1").
    /// </summary>
    public IBackend Create(string device)
    {
        if (device == "auto") return CreateAuto();
        if (device == "cpu") return new CpuBackend();

        ComputeDevice target = Find(device);
        if (!target.Usable) throw new InvalidRequestException("device", $"{target.Id} is not usable: {target.Reason}");
        try
        {
            return open(target);
        }
        catch (Exception e) when (e is not InvalidRequestException)
        {
            throw new InvalidRequestException("device", $"{target.Id} is not usable: {RecordStartFailure(target, e)}");
        }
    }

    private IBackend CreateAuto()
    {
        foreach (ComputeDevice candidate in Devices.Where(d => d.Usable && d.Kind is "cuda" or "opencl"))
        {
            try
            {
                return open(candidate);
            }
            catch (Exception e)
            {
                // "auto" must always give a backend: note the failure and try the next device.
                RecordStartFailure(candidate, e);
            }
        }
        return new CpuBackend();
    }

    private string RecordStartFailure(ComputeDevice device, Exception error)
    {
        string reason = $"failed to start: {error.GetType().Name}: {error.Message}";
        startFailures[device.Id] = reason;
        log($"resif-gpu: {device.Id} {reason}");
        return reason;
    }

    private ComputeDevice Find(string device)
    {
        ComputeDevice? exact = Devices.FirstOrDefault(d => d.Id == device);
        if (exact is not null) return exact;
        ComputeDevice[] ofKind = Devices.Where(d => d.Kind == device).ToArray();
        if (ofKind.Length > 0) return ofKind.FirstOrDefault(d => d.Usable) ?? ofKind[0];
        string known = string.Join(", ", new[] { "auto" }.Concat(Devices.Select(d => d.Id)).Concat(Devices.Select(d => d.Kind)).Distinct());
        throw new InvalidRequestException("device", $"unknown device '{device}'; known: {known}");
    }

    private static IlgpuBackend Open(ComputeDevice device, Action<string> log)
    {
        switch (device.Kind)
        {
            case "ilgpu-cpu":
                return IlgpuBackend.Open(Context.Create(b => b.CPU()), c => c.GetCPUDevice(0), "ilgpu-cpu", log);
            case "cuda":
                int ordinal = int.Parse(device.Id["cuda:".Length..]);
                return IlgpuBackend.Open(Context.Create(b => b.Cuda(d => d.DeviceId == ordinal)), c => c.GetCudaDevice(0), "ilgpu-cuda", log);
            case "opencl":
                int index = int.Parse(device.Id["opencl:".Length..]);
                return IlgpuBackend.Open(Context.Create(b => b.OpenCL(_ => true)), c => c.GetCLDevice(index), "ilgpu-opencl", log);
            default:
                throw new InvalidRequestException("device", $"'{device.Id}' has no ILGPU backend");
        }
    }

    private IReadOnlyList<ComputeDevice> Discover()
    {
        NativeDriverLibraries.Install();
        var found = new List<ComputeDevice>
        {
            new("cpu", "vectorised CPU", "cpu", true, $"{Environment.ProcessorCount} threads, plain C# SIMD"),
        };
        found.AddRange(Guarded("ilgpu-cpu", DiscoverIlgpuCpu));
        found.AddRange(Guarded("cuda", DiscoverCuda));
        found.AddRange(Guarded("opencl", DiscoverOpenCl));
        foreach (ComputeDevice skipped in found.Where(d => !d.Usable)) log($"resif-gpu: {skipped.Id} unusable: {skipped.Reason}");
        return found;
    }

    /// <summary>Any exception while probing a kind (bad driver, broken ICD, ILGPU bug) makes that kind unusable.</summary>
    private static IEnumerable<ComputeDevice> Guarded(string kind, Func<IEnumerable<ComputeDevice>> probe)
    {
        try
        {
            return probe().ToList();
        }
        catch (Exception e)
        {
            return [new ComputeDevice(kind, kind, kind, false, $"discovery failed: {e.GetType().Name}: {e.Message}")];
        }
    }

    private static IEnumerable<ComputeDevice> DiscoverIlgpuCpu()
    {
        using Context context = Context.Create(b => b.CPU());
        CPUDevice cpu = context.GetCPUDevice(0);
        yield return new ComputeDevice("ilgpu-cpu", $"ILGPU CPU accelerator ({cpu.NumThreads} threads)", "ilgpu-cpu", true,
            "debugging emulator, slow: for tests, not production");
    }

    private static IEnumerable<ComputeDevice> DiscoverCuda()
    {
        // Every device the driver reports, then the subset ILGPU's default filter accepts (known architecture and
        // a PTX instruction set ILGPU can emit): the difference is listed as unusable with that reason.
        using Context all = Context.Create(b => b.Cuda(_ => true));
        using Context supported = Context.Create(b => b.Cuda());
        var supportedIds = new HashSet<int>();
        foreach (CudaDevice device in supported.GetCudaDevices()) supportedIds.Add(device.DeviceId);
        var listed = new List<ComputeDevice>();
        foreach (CudaDevice device in all.GetCudaDevices())
        {
            string? problem = !supportedIds.Contains(device.DeviceId)
                ? $"architecture {device.Architecture?.ToString() ?? "unknown"} / PTX ISA {device.InstructionSet?.ToString() ?? "unknown"} is not supported by ILGPU 1.5.3 with this driver"
                : TooLittleMemory(device.MemorySize);
            listed.Add(new ComputeDevice($"cuda:{device.DeviceId}", device.Name, "cuda", problem is null,
                problem ?? $"compute capability {device.Architecture}, driver {device.DriverVersion}", device.MemorySize));
        }
        if (listed.Count == 0)
        {
            string reason = NativeDriverLibraries.CanLoad(NativeDriverLibraries.CudaDriver)
                ? "the CUDA driver is installed but reports no device"
                : $"no CUDA driver found: {NativeDriverLibraries.CudaDriver} missing";
            listed.Add(new ComputeDevice("cuda", "CUDA", "cuda", false, reason));
        }
        return listed;
    }

    private static IEnumerable<ComputeDevice> DiscoverOpenCl()
    {
        using Context context = Context.Create(b => b.OpenCL(_ => true));
        var listed = new List<ComputeDevice>();
        int index = 0;
        foreach (CLDevice device in context.GetCLDevices())
        {
            // ILGPU's OpenCL backend emits OpenCL C 2.0 using the generic address space (PoCL CPU devices lack it).
            string? problem =
                device.CLStdVersion < CLCVersion.CL20 ? $"OpenCL C {device.CLStdVersion} is older than the 2.0 ILGPU needs" :
                !device.Capabilities.GenericAddressSpace ? "no generic address space support, which ILGPU's OpenCL backend requires" :
                !device.Capabilities.Float64 ? "no float64 support (cl_khr_fp64), which the filter and FFT kernels need" :
                TooLittleMemory(device.MemorySize);
            listed.Add(new ComputeDevice($"opencl:{index++}", $"{device.Name} ({device.PlatformName})", "opencl", problem is null,
                problem ?? $"{device.DeviceVersion}, OpenCL C {device.CLStdVersion}", device.MemorySize));
        }
        if (listed.Count == 0)
        {
            string reason = NativeDriverLibraries.CanLoad(NativeDriverLibraries.OpenClLoader)
                ? "the OpenCL loader is installed but no platform reports a device (no ICD?)"
                : $"no OpenCL loader found: {NativeDriverLibraries.OpenClLoader} missing";
            listed.Add(new ComputeDevice("opencl", "OpenCL", "opencl", false, reason));
        }
        return listed;
    }

    private static string? TooLittleMemory(long bytes) => bytes < MinimumDeviceMemoryBytes
        ? $"too little memory: {bytes >> 20} MiB, at least {MinimumDeviceMemoryBytes >> 20} MiB needed"
        : null;
}
