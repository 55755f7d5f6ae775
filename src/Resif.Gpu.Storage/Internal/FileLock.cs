namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// An exclusive lock on a file, held while its handle is open: .NET opens it with <see cref="FileShare.None"/>, which
/// is flock(LOCK_EX) on Linux and a share mode on Windows. Both belong to the open file, so the kernel drops the lock
/// when the process dies, however it dies; and two handles in one process exclude each other like two processes.
/// </summary>
internal sealed class FileLock : IDisposable
{
    /// <summary>How long a writer waits for another one before giving up with <see cref="ArrayBusyException"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public string File => _stream.Name;

    /// <summary>The lock if it is free now; null when someone holds it or the file does not exist (and may not be created).</summary>
    public static FileLock? TryAcquire(string file, bool create)
    {
        try { return new FileLock(new FileStream(file, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1)); }
        catch (FileNotFoundException) when (!create) { return null; }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)) { return null; }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the lock (creating the file if needed).</summary>
    public static FileLock Acquire(string file, TimeSpan timeout, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (int pause = 5; ; pause = Math.Min(pause * 2, 200))
        {
            if (TryAcquire(file, create: true) is { } held) return held;
            if (waited.Elapsed >= timeout)
                throw new ArrayBusyException($"{what}: another writer still holds {file} after {timeout.TotalSeconds:0.###} s; try again when it has finished");
            Thread.Sleep(pause);
        }
    }

    public void Dispose() => _stream.Dispose();
}
