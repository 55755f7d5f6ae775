using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;

namespace Resif.Gpu.Kernels.Internal;

/// <summary>
/// ILGPU 1.5.3 P/Invokes the CUDA driver as "cuda" ("nvcuda" on Windows) and OpenCL as "OpenCL" ("opencl" on Windows).
/// On Linux the default probing looks for libcuda.so / libOpenCL.so, which only exist with the development packages;
/// a driver-only machine has the versioned sonames, so map the names to those.
/// </summary>
internal static class NativeDriverLibraries
{
    public const string CudaDriver = "libcuda.so.1";
    public const string OpenClLoader = "libOpenCL.so.1";

    private static int installed;

    /// <summary>Installs the resolver once per process; harmless when ILGPU already installed its own (WSL).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already set for ILGPU's assembly: it owns the mapping, ours would be ignored anyway.
        }
    }

    /// <summary>True when the shared library can be loaded on this machine (used to explain why a kind is missing).</summary>
    public static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        string? soname = name switch
        {
            "cuda" or "nvcuda" => CudaDriver,
            "OpenCL" or "opencl" => OpenClLoader,
            _ => null,
        };
        // Zero means "not handled": the runtime falls back to its default probing (and ILGPU reports "not supported").
        return soname is not null && NativeLibrary.TryLoad(soname, out IntPtr handle) ? handle : IntPtr.Zero;
    }
}
