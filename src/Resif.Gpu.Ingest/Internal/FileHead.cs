namespace Resif.Gpu.Ingest.Internal;

/// <summary>Reads the first bytes of a file for format detection.</summary>
internal static class FileHead
{
    public static byte[] Read(string path, int length)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var stream = File.OpenRead(path);
        var head = new byte[(int)Math.Min(length, stream.Length)];
        stream.ReadExactly(head);
        return head;
    }
}
