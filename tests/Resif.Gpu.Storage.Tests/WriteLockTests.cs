using System.Diagnostics;
using Resif.Gpu.Core;
using Resif.Gpu.Storage;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Storage.Tests;

/// <summary>
/// Writers of one array exclude each other through an exclusive lock on its <c>__lock.tdb</c>; staging folders of dead
/// writers are removed, those of live writers never. "Another writer" is either a second open file (Linux .NET locks
/// per open file, exactly as between processes) or a real child process (Python's fcntl.flock, the same flock(2) lock).
/// </summary>
public class WriteLockTests
{
    private static readonly ArrayCoordinates Coords = new(0.01, DateTimeOffset.UnixEpoch, 0, 1);

    private static FileStream HoldLock(string arrayPath) =>
        new(Path.Combine(arrayPath, TileDbWriter.LockFile), FileMode.Open, FileAccess.ReadWrite, FileShare.None);


    /// <summary>A child process that takes an exclusive flock on <paramref name="file"/> and says so, then sleeps until killed.</summary>
    private static Process LockInChildProcess(string file)
    {
        var child = Process.Start(new ProcessStartInfo("/usr/bin/python3",
            ["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(600)", file])
        { RedirectStandardOutput = true })!;
        Assert.Equal("locked", child.StandardOutput.ReadLine());
        return child;
    }

    private static void Kill(Process child)
    {
        child.Kill(); // SIGKILL: no cleanup code runs in the child
        child.WaitForExit();
        child.Dispose();
    }

    [Fact]
    public async Task SecondWriter_WaitsForTheFirst_ThenAppendsAfterIt()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("a", 2, 0, Coords);
        store.AppendTimeBlock("a", [1, 2], 2, 1);
        Task append;
        using (HoldLock(store.PathOf("a")))
        {
            append = Task.Run(() => store.AppendTimeBlock("a", [3, 4], 2, 1));
            // Held lock: the append cannot finish, however long we give it (this only fails if the lock does not hold).
            Assert.NotSame(append, await Task.WhenAny(append, Task.Delay(500)));
        }
        await append.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([1f, 3, 2, 4], ArrayReading.ReadAll(store, "a"));
    }

    [Fact]
    public void SecondWriter_GivesUpAfterItsTimeout_WithAClearError_AndChangesNothing()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory()) { WriteLockTimeout = TimeSpan.FromMilliseconds(200) };
        store.Create("a", 2, 0, Coords);
        store.AppendTimeBlock("a", [1, 2], 2, 1);
        string path = store.PathOf("a");
        using (HoldLock(path))
        {
            var busy = Assert.Throws<ArrayBusyException>(() => store.AppendTimeBlock("a", [3, 4], 2, 1));
            Assert.Contains(TileDbWriter.LockFile, busy.Message);
            Assert.Throws<ArrayBusyException>(() => store.Consolidate("a"));
        }
        Assert.Equal([1f, 2], ArrayReading.ReadAll(store, "a"));
    }

    [Fact]
    public void LockOfAKilledProcess_IsReleased()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory()) { WriteLockTimeout = TimeSpan.FromMilliseconds(200) };
        store.Create("a", 1, 0, Coords);
        var child = LockInChildProcess(Path.Combine(store.PathOf("a"), TileDbWriter.LockFile));
        try
        {
            Assert.Throws<ArrayBusyException>(() => store.AppendTimeBlock("a", [1], 1, 1));
        }
        finally { Kill(child); }
        store.AppendTimeBlock("a", [7], 1, 1);
        Assert.Equal([7f], ArrayReading.ReadAll(store, "a"));
    }

    [Fact]
    public void StagingOfADeadWriter_IsRemovedAtTheNextCreate_ALiveOneIsKept()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        using var live = store.CreateStaged(2, Coords);
        live.Append([1, 2, 3, 4], 2, 2);
        Assert.DoesNotContain(live.Name, store.List());

        // What a writer killed mid-ingest leaves: a staging array whose lock nobody holds (the kernel released it).
        string arrays = Path.GetDirectoryName(store.PathOf(live.Name))!;
        string dead = Path.Combine(arrays, ArrayStore.StagingPrefix + "dead");
        CopyFolder(store.PathOf(live.Name), dead);
        // Another live writer, in another process, holding its staging array's lock.
        string otherLive = Path.Combine(arrays, ArrayStore.StagingPrefix + "other-process");
        CopyFolder(store.PathOf(live.Name), otherLive);
        var child = LockInChildProcess(Path.Combine(otherLive, TileDbWriter.LockFile));
        try
        {
            store.Create("next", 1, 0, Coords);
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(otherLive));
            Assert.True(Directory.Exists(store.PathOf(live.Name)));
        }
        finally { Kill(child); }
        Assert.Equal([ArrayStore.StagingPrefix + "other-process"], store.RemoveStaleStaging());

        live.Append([5, 6], 2, 1);
        live.Publish("done");
        Assert.Equal(["done", "next"], store.List());
        Assert.Equal([1f, 2, 5, 3, 4, 6], ArrayReading.ReadAll(store, "done"));
        Assert.Empty(store.RemoveStaleStaging());
    }

    [Fact]
    public void AbandonedStaging_IsDeleted_AndPublishRefusesBadNames()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        string path;
        using (var staged = store.CreateStaged(1, Coords))
        {
            path = store.PathOf(staged.Name);
            staged.Append([1], 1, 1);
            Assert.Equal("name", Assert.Throws<InvalidRequestException>(() => staged.Publish("../x")).Field);
            Assert.Equal("name", Assert.Throws<InvalidRequestException>(() => staged.Publish(ArrayStore.StagingPrefix + "x")).Field);
        }
        Assert.False(Directory.Exists(path));
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task DirectWriterCalls_TakeTheLockToo()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("a", 1, 0, Coords);
        string path = store.PathOf("a");
        Task write;
        using (HoldLock(path))
        {
            write = Task.Run(() => TileDbWriter.WriteDense(path, [new DimensionRange(0, 1), new DimensionRange(0, 1)], ArrayStore.AttributeName, new float[] { 5 }.AsSpan()));
            Assert.NotSame(write, await Task.WhenAny(write, Task.Delay(300)));
        }
        await write.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([5f], ArrayReading.ReadAll(store, "a"));
    }

    [Fact]
    public async Task WriteSession_KeepsOtherWritersOut_UntilDisposed_AndRollsBackOnlyItsOwnFragments()
    {
        var store = new ArrayStore(TestPaths.NewTempDirectory());
        store.Create("a", 1, 0, Coords);
        store.AppendTimeBlock("a", [1], 1, 1);
        Task other;
        using (var session = store.OpenWriteSession("a"))
        {
            session.Append([2], 1, 1);
            other = Task.Run(() => store.AppendTimeBlock("a", [9], 1, 1));
            Assert.NotSame(other, await Task.WhenAny(other, Task.Delay(300))); // a whole ingest is one uninterrupted sequence
            session.Append([3], 1, 1);
            Assert.Equal([1f, 2, 3], ArrayReading.ReadAll(store, "a"));
            session.Rollback();
            Assert.Equal([1f], ArrayReading.ReadAll(store, "a"));
            Assert.Throws<InvalidOperationException>(() => session.Publish("b")); // not a staged array
        }
        await other.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([1f, 9], ArrayReading.ReadAll(store, "a"));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // The source's lock file is held by its live writer: copy an empty one, as TileDB creates it.
            if (Path.GetFileName(file) == TileDbWriter.LockFile) File.WriteAllBytes(target, []);
            else File.Copy(file, target);
        }
        foreach (string folder in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
    }
}
