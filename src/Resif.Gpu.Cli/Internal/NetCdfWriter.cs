using System.Buffers.Binary;
using System.Text;

namespace Resif.Gpu.Cli.Internal;

/// <summary>External types of NetCDF-3 that results need (the numbers are the format's type codes).</summary>
internal enum NcType
{
    Char = 2,
    Short = 3,
    Float = 5,
    Double = 6,
}

/// <summary>An attribute: a text (NC_CHAR) or numbers of one type (double or short).</summary>
internal sealed record NcAttribute(string Name, NcType Type, string? Text = null, double[]? Numbers = null)
{
    public static NcAttribute Of(string name, string text) => new(name, NcType.Char, Text: text);

    public static NcAttribute Of(string name, double value) => new(name, NcType.Double, Numbers: [value]);
}

/// <summary>A fixed-size variable over named dimensions (C order, the last dimension varying fastest).</summary>
internal sealed record NcVariable(string Name, IReadOnlyList<string> Dims, NcType Type, IReadOnlyList<NcAttribute> Attributes);

/// <summary>
/// Writes a NetCDF-3 file in the 64-bit offset format ("CDF-2", readable by scipy.io.netcdf_file and thus xarray's
/// "scipy" engine): header first, then each variable's values big-endian at the offset the header announces. Values
/// are written through <see cref="Write"/> at any element offset, so large variables can be streamed chunk by chunk
/// and two variables (real and imaginary parts) filled side by side. No record (unlimited) dimension.
/// </summary>
internal sealed class NetCdfWriter : IDisposable
{
    private static readonly byte[] Magic = "CDF\u0002"u8.ToArray();
    private const int TagDimension = 0x0A, TagVariable = 0x0B, TagAttribute = 0x0C;

    private readonly FileStream _stream;
    private readonly NcVariable[] _variables;
    private readonly long[] _begins;
    private readonly long[] _elementCounts;
    private readonly long _fileLength;

    /// <summary>Creates the file and writes its header; every variable's values must then be written.</summary>
    public NetCdfWriter(string path, IReadOnlyList<(string Name, long Length)> dims, IReadOnlyList<NcAttribute> globals, IReadOnlyList<NcVariable> variables)
    {
        _variables = [.. variables];
        var dimIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, length) in dims)
        {
            // Length 0 means "record dimension" in the format, and lengths are 32-bit.
            if (length is < 1 or > int.MaxValue) throw new NotSupportedException($"NetCDF-3 cannot hold dimension '{name}' of length {length}");
            dimIndex.Add(CheckName(name), dimIndex.Count);
        }
        _elementCounts = _variables.Select(v => v.Dims.Aggregate(1L, (n, d) => n * dims[dimIndex[d]].Length)).ToArray();
        long[] sizes = _variables.Select((v, i) => Padded(_elementCounts[i] * TypeSize(v.Type))).ToArray();
        // The 32-bit vsize field only limits variables before the last one (the last may be larger, as the format allows).
        for (int i = 0; i < sizes.Length - 1; i++)
        {
            if (sizes[i] >= uint.MaxValue) throw new NotSupportedException($"NetCDF-3 (64-bit offset) limits variable '{_variables[i].Name}' to 4 GiB");
        }

        using var header = new MemoryStream();
        header.Write(Magic);
        WriteInt(header, 0); // numrecs: no record dimension
        WriteList(header, TagDimension, dims, d =>
        {
            WriteName(header, d.Name);
            WriteInt(header, (int)d.Length);
        });
        WriteAttributes(header, globals);
        // Offsets depend on the header's own length: measure the variable list once with zero offsets (same width).
        _begins = new long[_variables.Length];
        using (var probe = new MemoryStream())
        {
            WriteVariableList(probe, dimIndex, sizes);
            long next = header.Length + probe.Length;
            for (int i = 0; i < _variables.Length; i++)
            {
                _begins[i] = next;
                next += sizes[i];
            }
            _fileLength = next;
        }
        long headerLength = _begins.Length > 0 ? _begins[0] : _fileLength;
        WriteVariableList(header, dimIndex, sizes);
        if (header.Length != headerLength) throw new InvalidOperationException("NetCDF header length changed while writing it");

        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _stream.Write(header.GetBuffer().AsSpan(0, (int)header.Length));
        _stream.SetLength(_fileLength);
    }

    /// <summary>Big-endian values (already converted) of variable <paramref name="variable"/> from element <paramref name="firstElement"/> on.</summary>
    public void Write(int variable, long firstElement, ReadOnlySpan<byte> bigEndianValues)
    {
        int size = TypeSize(_variables[variable].Type);
        if (bigEndianValues.Length % size != 0 || firstElement + bigEndianValues.Length / size > _elementCounts[variable])
            throw new ArgumentOutOfRangeException(nameof(bigEndianValues), $"values outside variable '{_variables[variable].Name}'");
        _stream.Position = _begins[variable] + firstElement * size;
        _stream.Write(bigEndianValues);
    }

    public void WriteDoubles(int variable, ReadOnlySpan<double> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(i * 8), values[i]);
        Write(variable, 0, bytes);
    }

    public void Dispose() => _stream.Dispose();

    public static int TypeSize(NcType type) => type switch
    {
        NcType.Char => 1,
        NcType.Short => 2,
        NcType.Float => 4,
        NcType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private void WriteVariableList(Stream output, Dictionary<string, int> dimIndex, long[] sizes)
    {
        WriteList(output, TagVariable, Enumerable.Range(0, _variables.Length).ToArray(), i =>
        {
            var v = _variables[i];
            WriteName(output, v.Name);
            WriteInt(output, v.Dims.Count);
            foreach (string d in v.Dims) WriteInt(output, dimIndex[d]);
            WriteAttributes(output, v.Attributes);
            WriteInt(output, (int)v.Type);
            WriteInt(output, (int)(uint)Math.Min(sizes[i], uint.MaxValue));
            WriteLong(output, _begins[i]);
        });
    }

    private static void WriteAttributes(Stream output, IReadOnlyList<NcAttribute> attributes) => WriteList(output, TagAttribute, attributes, a =>
    {
        WriteName(output, a.Name);
        WriteInt(output, (int)a.Type);
        switch (a.Type)
        {
            case NcType.Char:
                byte[] text = Encoding.UTF8.GetBytes(a.Text ?? "");
                WriteInt(output, text.Length);
                WritePadded(output, text);
                break;
            case NcType.Double:
                WriteInt(output, a.Numbers!.Length);
                foreach (double v in a.Numbers) WriteLong(output, BitConverter.DoubleToInt64Bits(v));
                break;
            default:
                throw new NotSupportedException($"attribute '{a.Name}': type {a.Type} is not written by this writer");
        }
    });

    private static void WriteList<T>(Stream output, int tag, IReadOnlyCollection<T> items, Action<T> writeItem)
    {
        // An empty list is written ABSENT: two zero words.
        WriteInt(output, items.Count == 0 ? 0 : tag);
        WriteInt(output, items.Count);
        foreach (var item in items) writeItem(item);
    }

    private static void WriteName(Stream output, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(CheckName(name));
        WriteInt(output, bytes.Length);
        WritePadded(output, bytes);
    }

    /// <summary>Names start with a letter or underscore and hold no '/' or control characters (the format's rule, simplified).</summary>
    private static string CheckName(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && !name.Any(c => c == '/' || char.IsControl(c))
            ? name : throw new NotSupportedException($"'{name}' is not a valid NetCDF name");

    private static void WritePadded(Stream output, ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        for (long i = bytes.Length; i < Padded(bytes.Length); i++) output.WriteByte(0);
    }

    private static long Padded(long length) => (length + 3) & ~3L;

    private static void WriteInt(Stream output, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        output.Write(bytes);
    }

    private static void WriteLong(Stream output, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        output.Write(bytes);
    }
}
