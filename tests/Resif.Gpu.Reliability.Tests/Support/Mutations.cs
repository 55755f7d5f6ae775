namespace Resif.Gpu.Reliability.Tests.Support;

/// <summary>Generated damage to a file: the kinds storage and transfers actually produce.</summary>
internal static class Mutations
{
    public static string Apply(string path, Random random)
    {
        var bytes = File.ReadAllBytes(path);
        string what;
        switch (bytes.Length == 0 ? 4 : random.Next(5))
        {
            case 0:
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                what = $"{flips} bit flips";
                break;
            case 1:
                int start = random.Next(bytes.Length), length = Math.Min(bytes.Length - start, random.Next(1, 256));
                random.NextBytes(bytes.AsSpan(start, length));
                what = $"{length} random bytes at {start}";
                break;
            case 2:
                int keep = random.Next(bytes.Length);
                bytes = bytes[..keep];
                what = $"truncated to {keep} bytes";
                break;
            case 3:
                // Plausible-looking huge numbers are what make a reader allocate without bound.
                int at = random.Next(Math.Max(1, bytes.Length - 8));
                BitConverter.TryWriteBytes(bytes.AsSpan(at, Math.Min(8, bytes.Length - at)), random.Next(2) == 0 ? long.MaxValue : (long)int.MaxValue);
                what = $"huge integer at {at}";
                break;
            default:
                var garbage = new byte[random.Next(1, 4096)];
                random.NextBytes(garbage);
                bytes = [.. bytes, .. garbage];
                what = $"{garbage.Length} bytes appended";
                break;
        }
        File.WriteAllBytes(path, bytes);
        return $"{Path.GetFileName(path)}: {what}";
    }

    /// <summary>
    /// Runs <paramref name="action"/> on its own thread and returns the bytes that thread allocated, or throws
    /// <see cref="TimeoutException"/> when it hangs. The thread is abandoned (background) if it never ends.
    /// </summary>
    public static long Allocated(Action action, out Exception? failure)
    {
        long allocated = 0;
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                action();
            }
            catch (Exception e)
            {
                caught = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        thread.Start();
        if (!thread.Join(Suite.HangLimit)) throw new TimeoutException("the reader hung");
        failure = caught;
        return allocated;
    }
}
