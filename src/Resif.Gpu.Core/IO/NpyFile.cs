using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Resif.Gpu.Core.IO;

/// <summary>
/// NumPy .npy (format 1.0) for little-endian float32 / complex64 C-order arrays: what the CLI writes and reads,
/// readable with numpy.load.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    public static string Descr(ElementType type) => type == ElementType.Complex64 ? "<c8" : "<f4";

    /// <summary>Writes the header for a C-order array; the caller then writes exactly the data bytes.</summary>
    public static void WriteHeader(Stream stream, IReadOnlyList<long> shape, ElementType type) => WriteHeader(stream, shape, Descr(type));

    /// <summary>Writes the header for a C-order array of any numpy dtype descr (e.g. "&lt;i8", "|u1").</summary>
    public static void WriteHeader(Stream stream, IReadOnlyList<long> shape, string descr)
    {
        string shapeText = shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Header length (magic + 2 + text + newline) is padded to a multiple of 64 bytes.
        int unpadded = Magic.Length + 2 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', padding) + "\n";
        stream.Write(Magic);
        Span<byte> length = [(byte)(header.Length & 0xff), (byte)(header.Length >> 8)];
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
    }

    public static void Write(string path, IReadOnlyList<long> shape, ReadOnlySpan<float> values, ElementType type = ElementType.Float32)
    {
        using var stream = File.Create(path);
        WriteHeader(stream, shape, type);
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads a little-endian float32 (or complex64) C-order .npy file.</summary>
    public static (long[] Shape, ElementType Type, float[] Values) Read(string path)
    {
        using var stream = File.OpenRead(path);
        var (shape, type) = ReadHeader(stream, path);
        long count = shape.Aggregate(1L, (a, b) => a * b) * (type == ElementType.Complex64 ? 2 : 1);
        var values = new float[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return (shape, type, values);
    }

    /// <summary>Parses the header and leaves the stream at the first data byte.</summary>
    public static (long[] Shape, ElementType Type) ReadHeader(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic.AsSpan(0, 6))) throw new InvalidDataException($"{name}: not a .npy file");
        int major = prefix[6];
        int headerLength = major == 1 ? prefix[8] | prefix[9] << 8 : ReadLongHeaderLength(stream, prefix);
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        string text = Encoding.ASCII.GetString(header);
        var descr = DescrPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !shape.Success) throw new InvalidDataException($"{name}: unreadable .npy header");
        if (text.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{name}: Fortran-order arrays are not supported; save with C order");
        var type = descr.Groups[1].Value switch
        {
            "<f4" => ElementType.Float32,
            "<c8" => ElementType.Complex64,
            var other => throw new InvalidDataException($"{name}: dtype '{other}' is not supported; convert to float32 ('<f4')"),
        };
        long[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (dims, type);
    }

    private static int ReadLongHeaderLength(Stream stream, ReadOnlySpan<byte> prefix)
    {
        Span<byte> rest = stackalloc byte[2];
        stream.ReadExactly(rest);
        return prefix[8] | prefix[9] << 8 | rest[0] << 16 | rest[1] << 24;
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
