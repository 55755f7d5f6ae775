using Resif.Gpu.Storage;

namespace Resif.Gpu.Reliability.Tests.Support;

/// <summary>A real embedded store in a temporary folder, with arrays of known values; deleted on dispose.</summary>
internal sealed class DiskStore : IDisposable
{
    public DiskStore()
    {
        Root = Testing.TestPaths.NewTempDirectory("resif-reliability");
        Store = new ArrayStore(Root);
    }

    public string Root { get; }

    public ArrayStore Store { get; }

    /// <summary>Value at (c, t): a channel-dependent chirp, so every block and every channel differ.</summary>
    public static float[] Values(long channels, long samples, int seed = 0)
    {
        var values = new float[channels * samples];
        for (long c = 0; c < channels; c++)
            for (long t = 0; t < samples; t++)
                values[c * samples + t] = (float)(Math.Sin(0.001 * t * (c + 1 + seed)) + 0.01 * c);
        return values;
    }

    /// <summary>Creates <paramref name="name"/> with the values of <see cref="Values"/>, appended as <paramref name="fragments"/> fragments.</summary>
    public float[] Add(string name, long channels, long samples, int fragments = 1, int seed = 0)
    {
        var values = Values(channels, samples, seed);
        Store.Create(name, channels, 0, new ArrayCoordinates(0.002, DateTimeOffset.UnixEpoch, 0, 1));
        long per = samples / fragments;
        for (int f = 0; f < fragments; f++)
        {
            long start = f * per, count = f == fragments - 1 ? samples - start : per;
            var block = new float[channels * count];
            for (long c = 0; c < channels; c++) Array.Copy(values, c * samples + start, block, c * count, count);
            Store.AppendTimeBlock(name, block, channels, count);
        }
        return values;
    }

    public string ArrayPath(string name) => Store.PathOf(name);

    public static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the temp folder is cleaned by the OS later.
        }
    }
}
