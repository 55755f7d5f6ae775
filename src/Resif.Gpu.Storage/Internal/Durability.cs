using System.Runtime.InteropServices;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// fsync for directories: a new or renamed entry is only on disk once its directory is flushed, and .NET cannot open a
/// directory as a stream, so this calls open/fsync/close from libc. Windows has no such call (NTFS journals its
/// directory changes), so there it does nothing.
/// </summary>
internal static partial class Durability
{
    private const int ReadOnly = 0, Directory = 0x10000; // O_RDONLY, O_DIRECTORY (Linux)

    public static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(path, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"cannot open directory '{path}' to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally { Close(fd); }
    }

    /// <summary>Bytes between two <see cref="StartWriteback"/> calls: large sequential requests, started early.</summary>
    public const long WritebackStep = 8 << 20;

    /// <summary>
    /// Asks the kernel to start writing bytes [from, to) of the file to disk without waiting (Linux
    /// sync_file_range WRITE; elsewhere nothing). It guarantees nothing: the fsync that follows does. Returns <paramref name="to"/>.
    /// </summary>
    public static long StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file, long from, long to)
    {
        if (OperatingSystem.IsLinux()) SyncFileRange((int)file.DangerousGetHandle(), from, to - from, SyncFileRangeWrite);
        return to;
    }

    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
