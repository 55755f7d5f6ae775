using System.Runtime.InteropServices;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// zstd frames in and out of spans: the system's libzstd when it loads (about twice as fast as the managed port on
/// this engine's chunks), else ZstdSharp (a self-contained publish or a minimal container has no libzstd). Every frame
/// written carries zstd's content checksum (XXH64 of the decoded bytes, 4 bytes a frame), which every decoder checks,
/// real TileDB's included: damage is detected at a small fraction of a SHA-256 filter's cost. Both implementations
/// give the same clean <see cref="DataCorruptionException"/> on a corrupt, mis-summed or oversized frame. Contexts
/// are per thread.
/// </summary>
internal static class ZstdCodec
{
    /// <summary>True while native libzstd is in use: it loaded and <see cref="UseManaged"/> is off.</summary>
    public static bool IsNative => NativeZstd.Library is not null && !UseManaged;

    /// <summary>Test switch: forces ZstdSharp even where libzstd loaded (both must read and write the same frames).</summary>
    internal static bool UseManaged { get; set; }

    /// <summary>Which implementation decodes and encodes, for the one log line and the benchmarks.</summary>
    public static string Description => IsNative ? $"native libzstd {NativeZstd.Library!.Version}" : $"managed ZstdSharp{(NativeZstd.Library is null ? " (libzstd not found)" : "")}";

    /// <summary>Decompresses one frame into <paramref name="destination"/>; returns the bytes written (at most its length), throws on a damaged frame.</summary>
    public static int Decompress(ReadOnlySpan<byte> frame, Span<byte> destination, string source)
    {
        if (IsNative) return NativeZstd.Library!.Decompress(frame, destination, source);
        return (t_managedDecompressor ??= new ZstdSharp.Decompressor()).Unwrap(frame, destination); // throws on damage: the caller words it
    }

    public static int CompressBound(int length) => IsNative ? NativeZstd.Library!.CompressBound(length) : ZstdSharp.Compressor.GetCompressBound(length);

    /// <summary>Compresses <paramref name="source"/> at <paramref name="level"/> (-1: zstd's default, 3) into a buffer of at least <see cref="CompressBound"/> bytes.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        if (level == -1) level = ZstdSharp.Compressor.DefaultCompressionLevel;
        if (IsNative) return NativeZstd.Library!.Compress(source, destination, level);
        if (t_managedCompressor is null || t_managedLevel != level)
        {
            t_managedCompressor?.Dispose();
            t_managedCompressor = new ZstdSharp.Compressor(level);
            t_managedCompressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            t_managedLevel = level;
        }
        return t_managedCompressor.Wrap(source, destination);
    }

    // Contexts are costly to set up (large workspaces): each thread keeps one of each kind.
    [ThreadStatic] private static ZstdSharp.Decompressor? t_managedDecompressor;
    [ThreadStatic] private static ZstdSharp.Compressor? t_managedCompressor;
    [ThreadStatic] private static int t_managedLevel;
}

/// <summary>libzstd's stable one-shot API, bound at run time (no build-time dependency on the library).</summary>
internal sealed unsafe class NativeZstd
{
    /// <summary>The loaded library, or null when no libzstd could be loaded or it lacks a function we bind.</summary>
    public static NativeZstd? Library { get; } = TryLoad();

    private readonly delegate* unmanaged[Cdecl]<nint> _createDCtx;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint> _freeDCtx;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, nuint, nuint> _decompressDCtx;
    private readonly delegate* unmanaged[Cdecl]<nint> _createCCtx;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint> _freeCCtx;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, nuint> _setParameter;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, nuint, nuint> _compress2;
    private readonly delegate* unmanaged[Cdecl]<nuint, nuint> _compressBound;
    private readonly delegate* unmanaged[Cdecl]<nuint, uint> _isError;
    private readonly delegate* unmanaged[Cdecl]<nuint, byte*> _getErrorName;

    /// <summary>"1.5.4" from ZSTD_versionNumber (major * 10000 + minor * 100 + patch).</summary>
    public string Version { get; }

    [ThreadStatic] private static Context? t_decompression, t_compression;

    private NativeZstd(nint library)
    {
        nint Export(string name) => NativeLibrary.GetExport(library, name);
        _createDCtx = (delegate* unmanaged[Cdecl]<nint>)Export("ZSTD_createDCtx");
        _freeDCtx = (delegate* unmanaged[Cdecl]<nint, nuint>)Export("ZSTD_freeDCtx");
        _decompressDCtx = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, nuint, nuint>)Export("ZSTD_decompressDCtx");
        _createCCtx = (delegate* unmanaged[Cdecl]<nint>)Export("ZSTD_createCCtx");
        _freeCCtx = (delegate* unmanaged[Cdecl]<nint, nuint>)Export("ZSTD_freeCCtx");
        _setParameter = (delegate* unmanaged[Cdecl]<nint, int, int, nuint>)Export("ZSTD_CCtx_setParameter");
        _compress2 = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, byte*, nuint, nuint>)Export("ZSTD_compress2");
        _compressBound = (delegate* unmanaged[Cdecl]<nuint, nuint>)Export("ZSTD_compressBound");
        _isError = (delegate* unmanaged[Cdecl]<nuint, uint>)Export("ZSTD_isError");
        _getErrorName = (delegate* unmanaged[Cdecl]<nuint, byte*>)Export("ZSTD_getErrorName");
        uint version = ((delegate* unmanaged[Cdecl]<uint>)Export("ZSTD_versionNumber"))();
        Version = $"{version / 10000}.{version / 100 % 100}.{version % 100}";
    }

    private static NativeZstd? TryLoad()
    {
        // Debian's libzstd1 ships only the versioned name; other systems (and -dev packages) have the plain one.
        string[] names = OperatingSystem.IsWindows() ? ["libzstd.dll", "zstd.dll"]
            : OperatingSystem.IsMacOS() ? ["libzstd.1.dylib", "libzstd.dylib"]
            : ["libzstd.so.1", "libzstd.so"];
        foreach (string name in names)
        {
            if (!NativeLibrary.TryLoad(name, out nint library)) continue;
            try { return new NativeZstd(library); }
            catch (EntryPointNotFoundException) { NativeLibrary.Free(library); } // too old a libzstd: try the next name, else ZstdSharp
        }
        return null;
    }

    public int Decompress(ReadOnlySpan<byte> frame, Span<byte> destination, string source)
    {
        var context = t_decompression ??= new Context(this, decompression: true);
        nuint result;
        fixed (byte* src = frame)
        fixed (byte* dst = destination)
            result = _decompressDCtx(context.Handle, dst, (nuint)destination.Length, src, (nuint)frame.Length);
        // libzstd checks the capacity itself: a frame that declares or decodes to more fails with "Destination buffer is too small".
        if (_isError(result) != 0) throw new DataCorruptionException($"{source}: Zstd part does not decompress: {ErrorName(result)}");
        return (int)result;
    }

    public int CompressBound(int length) => checked((int)_compressBound((nuint)length));

    // ZSTD_cParameter values of zstd.h (stable API since 1.4.0).
    private const int CompressionLevelParameter = 100, ChecksumFlagParameter = 201;

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        var context = t_compression ??= new Context(this, decompression: false);
        if (context.Level != level)
        {
            // Parameters stick to the context across frames (ZSTD_compress2 resets the session, not them).
            Check(_setParameter(context.Handle, CompressionLevelParameter, level));
            Check(_setParameter(context.Handle, ChecksumFlagParameter, 1));
            context.Level = level;
        }
        nuint result;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            result = _compress2(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
        return (int)Check(result);
    }

    private nuint Check(nuint result) =>
        _isError(result) == 0 ? result : throw new InvalidOperationException($"zstd compression failed: {ErrorName(result)}");

    private string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)_getErrorName(code)) ?? $"error {code}";

    /// <summary>One thread's (de)compression context, freed when the thread and its reference are gone.</summary>
    private sealed class Context
    {
        private readonly NativeZstd _library;
        private readonly bool _decompression;

        public nint Handle { get; }

        /// <summary>The compression level the context's parameters are set for (null: not set yet).</summary>
        public int? Level { get; set; }

        public Context(NativeZstd library, bool decompression)
        {
            (_library, _decompression) = (library, decompression);
            Handle = decompression ? library._createDCtx() : library._createCCtx();
            if (Handle == 0) throw new OutOfMemoryException("libzstd could not allocate a context");
        }

        ~Context()
        {
            if (_decompression) _library._freeDCtx(Handle);
            else _library._freeCCtx(Handle);
        }
    }
}
