using Resif.Gpu.Core;
using Resif.Gpu.Core.Tests.Backends;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>One discovery per test run: probing drivers is slow and its answer does not change.</summary>
internal static class TestDevices
{
    private static readonly Lazy<IlgpuBackendProvider> provider = new(() => new IlgpuBackendProvider(_ => { }));

    public static IlgpuBackendProvider Provider => provider.Value;

    public static IlgpuBackend Open(string device) => (IlgpuBackend)Provider.Create(device);

    /// <summary>Null when a usable device of <paramref name="kind"/> exists, else why not (for a skip reason).</summary>
    public static string? WhyNot(string kind)
    {
        ComputeDevice[] ofKind = Provider.Devices.Where(d => d.Kind == kind).ToArray();
        if (ofKind.Any(d => d.Usable)) return null;
        return ofKind.Length == 0
            ? $"no {kind} device listed"
            : $"no usable {kind} device here: " + string.Join("; ", ofKind.Select(d => $"{d.Id}: {d.Reason}"));
    }
}

/// <summary>Skips every fact of a backend suite when no usable device of the kind is on this machine.</summary>
public sealed class RequiresDeviceAttribute(string kind) : BackendRequirementAttribute
{
    public override string? SkipReason => TestDevices.WhyNot(kind);
}
