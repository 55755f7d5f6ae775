using System.Runtime.InteropServices;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// The system's libzstd when present (Debian's libzstd1 is in every base image): on float32 tiles, which zstd encodes
/// mostly as Huffman literals, it decodes about twice as fast as the managed port. Each thread keeps one context.
/// </summary>
internal static unsafe partial class NativeZstd
{
    private const string Library = "resif-zstd";

    public static bool IsAvailable { get; } = TryResolve();

    [ThreadStatic] private static ContextHolder? t_context;

    /// <summary>Decompresses one frame into <paramref name="output"/>; returns the bytes written.</summary>
    public static long Decompress(ReadOnlySpan<byte> compressed, Span<byte> output)
    {
        var context = (t_context ??= new ContextHolder()).Handle;
        fixed (byte* src = compressed)
        fixed (byte* dst = output)
        {
            nuint written = ZSTD_decompressDCtx(context, dst, (nuint)output.Length, src, (nuint)compressed.Length);
            if (ZSTD_isError(written) != 0) throw new InvalidDataException($"libzstd error code {(long)written}");
            return (long)written;
        }
    }

    private static bool TryResolve()
    {
        nint handle = 0;
        foreach (var name in new[] { "libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib", "libzstd.dll", "zstd.dll" })
            if (NativeLibrary.TryLoad(name, out handle)) break;
        if (handle == 0) return false;
        NativeLibrary.SetDllImportResolver(typeof(NativeZstd).Assembly, (name, _, _) => name == Library ? handle : 0);
        return true;
    }

    // Frees the thread's context when the thread ends (its holder becomes unreachable).
    private sealed class ContextHolder
    {
        public nint Handle { get; } = ZSTD_createDCtx();

        ~ContextHolder() => ZSTD_freeDCtx(Handle);
    }

    [LibraryImport(Library)] private static partial nint ZSTD_createDCtx();
    [LibraryImport(Library)] private static partial nuint ZSTD_freeDCtx(nint context);
    [LibraryImport(Library)] private static partial nuint ZSTD_decompressDCtx(nint context, byte* dst, nuint dstCapacity, byte* src, nuint srcSize);
    [LibraryImport(Library)] private static partial uint ZSTD_isError(nuint code);
}
