using Resif.Gpu.Core;
using Resif.Gpu.Kernels;
using Resif.Gpu.Storage;

namespace Resif.Gpu.Server;

/// <summary>Opens embedded stores; shared by the server and the CLI's embedded path.</summary>
public static class StoreFactory
{
    /// <param name="skipChecksumValidation">read chunks without checking their SHA-256 or MD5 filters (<see cref="ArrayStore.SkipChecksumValidation"/>).</param>
    public static IArrayStore Open(string path, bool skipChecksumValidation = false)
    {
        if (!Directory.Exists(path)) throw new InvalidRequestException("store", $"'{path}' is not a folder");
        return new ArrayStore(path) { SkipChecksumValidation = skipChecksumValidation };
    }
}

/// <summary>The device provider the server and the CLI use when none is given.</summary>
public static class BackendProviders
{
    /// <summary>
    /// Every device this machine may have: the vectorised CPU backend, ILGPU's CPU accelerator, CUDA and OpenCL
    /// (each listed unusable with the reason when its driver or hardware is missing). "auto" prefers a GPU.
    /// </summary>
    public static IBackendProvider Default { get; } = new IlgpuBackendProvider();

    /// <summary>
    /// The same devices without the log line per unusable device: for the CLI's one-shot commands, where `devices`
    /// shows every reason and a reduction should print only its result (or one error line).
    /// </summary>
    public static IBackendProvider Quiet { get; } = new IlgpuBackendProvider(log: _ => { });
}
