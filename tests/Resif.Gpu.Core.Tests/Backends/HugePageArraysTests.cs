using System.Globalization;
using Resif.Gpu.Core.Backends.Internal;

namespace Resif.Gpu.Core.Tests.Backends;

/// <summary>Runs only on Linux with transparent huge pages not turned off ("always" or "madvise").</summary>
public sealed class TransparentHugePagesFactAttribute : FactAttribute
{
    private const string Mode = "/sys/kernel/mm/transparent_hugepage/enabled";

    public TransparentHugePagesFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(Mode)) Skip = "no transparent huge pages here (Linux only)";
        else if (File.ReadAllText(Mode).Contains("[never]", StringComparison.Ordinal)) Skip = $"transparent huge pages are off ({Mode}: never)";
    }
}

public class HugePageArraysTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(HugePageArrays.MinBytes / sizeof(float) + 12345)]
    public void ArraysAreZeroedAndOfTheLengthAsked(long length)
    {
        var array = HugePageArrays.Zeroed(length);
        Assert.Equal(length, array.LongLength);
        Assert.Equal(-1, array.AsSpan().IndexOfAnyExcept(0f));
    }

    [TransparentHugePagesFact]
    public void ALargeArrayIsBackedByHugePages()
    {
        var array = HugePageArrays.Zeroed(HugePageArrays.MinBytes / sizeof(float) * 2);
        array.AsSpan().Fill(1f); // every page touched
        AssertMostlyHuge(array);
    }

    [TransparentHugePagesFact]
    public void ALargeArrayIsBackedByHugePagesAlsoWhereTheGcReusesSmallPagedMemory()
    {
        // An ordinary pinned array of the same size, touched (small pages) and collected: the GC hands its memory out again.
        long length = HugePageArrays.MinBytes / sizeof(float) * 2;
        for (int round = 0; round < 3; round++)
        {
            var before = GC.AllocateUninitializedArray<float>(checked((int)length), pinned: true);
            before.AsSpan().Fill(2f);
            before = null;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var array = HugePageArrays.Zeroed(length);
            Assert.Equal(-1, array.AsSpan().IndexOfAnyExcept(0f));
            array.AsSpan().Fill(1f);
            AssertMostlyHuge(array);
        }
    }

    private static unsafe void AssertMostlyHuge(float[] array)
    {
        long address, bytes = array.LongLength * sizeof(float);
        fixed (float* start = array) address = (long)start;
        // The mappings that hold the array (the advice splits it off its neighbours), from /proc/self/smaps:
        // "start-end perms ..." then "Key: value kB" lines; their AnonHugePages summed.
        long hugeKilobytes = 0;
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.IndexOf('-') is > 0 and var dash && line.IndexOf(' ') > dash)
            {
                long from = long.Parse(line[..dash], NumberStyles.HexNumber), to = long.Parse(line[(dash + 1)..line.IndexOf(' ')], NumberStyles.HexNumber);
                inside = from < address + bytes && address < to;
            }
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                hugeKilobytes += long.Parse(line["AnonHugePages:".Length..].Replace("kB", "").Trim(), CultureInfo.InvariantCulture);
            }
        }
        GC.KeepAlive(array);
        // All but the partial 2 MiB pages at either end (and any the kernel could not assemble at once) are huge.
        Assert.True(hugeKilobytes >= HugePageArrays.MinBytes / 1024, $"AnonHugePages of the array's mapping: {hugeKilobytes} kB");
    }
}
