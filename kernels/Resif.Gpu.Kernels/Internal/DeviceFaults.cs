using ILGPU.Runtime;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>Thrown by a device step once the device has been disabled by an earlier failure (the caller falls back).</summary>
internal sealed class DeviceDisabledException(string reason) : Exception($"the device is disabled after a failure: {reason}");

/// <summary>What the fault-injection test seam throws by default: an accelerator error, as a lost device gives.</summary>
internal sealed class SimulatedDeviceFault(string message) : AcceleratorException(message)
{
    public override AcceleratorType AcceleratorType => AcceleratorType.CPU;
}
