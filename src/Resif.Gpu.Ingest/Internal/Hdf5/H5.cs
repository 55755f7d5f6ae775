using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Resif.Gpu.Ingest.Internal.Hdf5;

/// <summary>
/// HDF5 access shared by the HDF5-based readers (PureHDF, managed): signature and truncation checks, numbers and
/// text of any stored width, and 2-D sample blocks converted to float32 [channel, time].
/// </summary>
internal static class H5
{
    static H5() => PureHDF.Filters.H5Filter.Register(new LzfFilter());

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    /// <summary>Offsets where an HDF5 superblock may start (a user block of 512·2^k bytes may precede it).</summary>
    private static readonly int[] SuperblockOffsets = [0, 512, 1024, 2048];

    public static bool HasSignature(ReadOnlySpan<byte> head) => FindSuperblock(head) >= 0;

    /// <summary>
    /// Fails when the file is shorter than the end-of-file address its superblock declares: PureHDF would
    /// otherwise read past the end (zeros or an obscure error) instead of saying the file is truncated.
    /// </summary>
    public static void EnsureComplete(string path, ReadOnlySpan<byte> head)
    {
        int at = FindSuperblock(head);
        if (at < 0) throw new InvalidDataException($"{path}: not an HDF5 file (no signature)");
        long declared = DeclaredEndOfFile(head[at..]) ?? throw new InvalidDataException($"{path}: HDF5 superblock is incomplete or of an unknown version");
        long actual = new FileInfo(path).Length;
        if (actual < at + declared)
            throw new InvalidDataException($"{path}: truncated HDF5 file: the superblock declares {at + declared} bytes, the file has {actual}");
    }

    public static NativeFile Open(string path)
    {
        EnsureComplete(path, FileHead.Read(path, DasFormats.HeadLength));
        return H5File.OpenRead(path);
    }

    private static int FindSuperblock(ReadOnlySpan<byte> head)
    {
        foreach (int offset in SuperblockOffsets)
        {
            if (head.Length >= offset + 8 && head.Slice(offset, 8).SequenceEqual(Signature)) return offset;
        }
        return -1;
    }

    /// <summary>The end-of-file address stored in a superblock (format specification, "Superblock" versions 0-3).</summary>
    private static long? DeclaredEndOfFile(ReadOnlySpan<byte> sb)
    {
        if (sb.Length < 16) return null;
        int version = sb[8];
        int offsetSize = version <= 1 ? sb[13] : sb[9];
        if (offsetSize is not (4 or 8)) return null;
        // v0/v1: fixed fields up to byte 24 (v1 adds 4), then base, free-space and EOF addresses.
        // v2/v3: 12 fixed bytes, then base, superblock-extension and EOF addresses.
        int eofAt = version switch
        {
            0 => 24 + 2 * offsetSize,
            1 => 28 + 2 * offsetSize,
            2 or 3 => 12 + 2 * offsetSize,
            _ => -1,
        };
        if (eofAt < 0 || sb.Length < eofAt + offsetSize) return null;
        ulong eof = offsetSize == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(sb[eofAt..]) : BinaryPrimitives.ReadUInt32LittleEndian(sb[eofAt..]);
        return eof > long.MaxValue ? null : (long)eof;
    }

    /// <summary>True when every segment of a '/'-separated path exists below <paramref name="group"/>.</summary>
    public static bool Exists(IH5Group group, string path)
    {
        IH5Group current = group;
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            if (!current.LinkExists(parts[i])) return false;
            if (i == parts.Length - 1) return true;
            if (current.Get(parts[i]) is not IH5Group next) return false;
            current = next;
        }
        return true;
    }

    public static bool IsDataset(IH5Group group, string path) => Exists(group, path) && group.Get(path) is IH5Dataset;

    /// <summary>NumPy-style name of a stored element type ("int16", "float32"...).</summary>
    public static string DtypeName(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{type.Size * 8}",
        H5DataTypeClass.FloatingPoint => $"float{type.Size * 8}",
        _ => type.Class.ToString(),
    };

    public static double[] Numbers(IH5Dataset dataset, Selection? selection = null) =>
        ReadNumeric(dataset.Type, new DatasetValues(dataset, selection), "dataset " + dataset.Name);

    public static double[] Numbers(IH5Attribute attribute) =>
        attribute.Space.Type == H5DataspaceType.Null ? [] : ReadNumeric(attribute.Type, new AttributeValues(attribute), "attribute " + attribute.Name);

    /// <summary>The values of a numeric attribute, or the parsed text of a string attribute (vendors store numbers both ways).</summary>
    public static double Number(IH5Object owner, string name)
    {
        if (!owner.AttributeExists(name)) throw new InvalidDataException($"attribute '{name}' missing on {owner.Name}");
        var attribute = owner.Attribute(name);
        if (IsText(attribute.Type))
        {
            string text = Text(attribute).Trim();
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                ? v : throw new InvalidDataException($"attribute '{name}' on {owner.Name} is not a number: '{text}'");
        }
        double[] values = Numbers(attribute);
        return values.Length > 0 ? values[0] : throw new InvalidDataException($"attribute '{name}' on {owner.Name} is empty");
    }

    public static double? OptionalNumber(IH5Object owner, string name)
    {
        if (!owner.AttributeExists(name)) return null;
        double value = Number(owner, name);
        return double.IsNaN(value) ? null : value;
    }

    /// <summary>
    /// First element of a 64-bit integer dataset, exactly (ns time stamps exceed a double's 2^53).
    /// </summary>
    public static long FirstInt64(IH5Dataset dataset)
    {
        if (dataset.Type.Class != H5DataTypeClass.FixedPoint || dataset.Type.Size != 8)
            throw new InvalidDataException($"dataset {dataset.Name} is {DtypeName(dataset.Type)}, expected 64-bit integers");
        return dataset.Read<long[]>(new HyperslabSelection(0, 1))[0];
    }

    /// <summary>First element of a numeric dataset (scalars and [1] arrays alike).</summary>
    public static double Scalar(IH5Group group, string path)
    {
        if (!IsDataset(group, path)) throw new InvalidDataException($"dataset '{path}' missing");
        double[] values = Numbers(group.Dataset(path));
        return values.Length > 0 ? values[0] : throw new InvalidDataException($"dataset '{path}' is empty");
    }

    public static string Text(IH5Attribute attribute) =>
        attribute.Space.Type == H5DataspaceType.Null ? "" : string.Join("|", attribute.Read<string[]>()).TrimEnd('\0');

    public static string? OptionalText(IH5Object owner, string name) =>
        owner.AttributeExists(name) && IsText(owner.Attribute(name).Type) ? Text(owner.Attribute(name)) : null;

    public static string Text(IH5Dataset dataset) => string.Join("|", dataset.Read<string[]>()).TrimEnd('\0');

    public static string? OptionalDatasetText(IH5Group group, string path) =>
        IsDataset(group, path) && IsText(group.Dataset(path).Type) ? Text(group.Dataset(path)) : null;

    public static string[] Texts(IH5Dataset dataset) => dataset.Read<string[]>().Select(s => s.TrimEnd('\0')).ToArray();

    /// <summary>Fixed-length strings, and variable-length sequences of bytes (how HDF5 stores variable-length strings).</summary>
    private static bool IsText(IH5DataType type) =>
        type.Class == H5DataTypeClass.String
        || (type.Class == H5DataTypeClass.VariableLength && type.VariableLength.BaseType is { } b
            && (b.Class == H5DataTypeClass.String || (b.Class == H5DataTypeClass.FixedPoint && b.Size == 1)));

    /// <summary>
    /// Attributes of <paramref name="owner"/> as text (numbers joined by ','), under <paramref name="prefix"/>.
    /// Types with no text form (enumerations, compounds, references) are left out.
    /// </summary>
    public static void CollectAttributes(IH5Object owner, string prefix, IDictionary<string, string> into)
    {
        foreach (var attribute in owner.Attributes())
        {
            string? text = AttributeAsText(attribute);
            if (text is not null) into[prefix + attribute.Name] = text;
        }
    }

    private static string? AttributeAsText(IH5Attribute attribute)
    {
        if (attribute.Space.Type == H5DataspaceType.Null) return "";
        if (IsText(attribute.Type)) return Text(attribute);
        if (attribute.Type.Class is H5DataTypeClass.FixedPoint or H5DataTypeClass.FloatingPoint)
            return string.Join(",", Numbers(attribute).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        return null;
    }

    /// <summary>
    /// Reads samples [start, start+count) along <paramref name="timeAxis"/> of a 2-D dataset and returns them as
    /// float32 [channel, time]: time-major layouts are transposed, integers and float64 converted.
    /// </summary>
    public static float[] ReadChannelTime(IH5Dataset dataset, int timeAxis, long start, long count)
    {
        var (selection, channels) = TimeSelection(dataset, timeAxis, start, count);
        // Time-major: convert while transposing, in one pass over the stored values.
        return timeAxis == 0 ? ReadConverted(dataset, selection, new Transposed(count, channels)) : ReadFloats(dataset, selection);
    }

    /// <summary>
    /// As <see cref="ReadChannelTime"/>, writing sample i of channel c to destination[c * stride + offset + i]: the
    /// stored values are converted (and transposed) straight into the caller's block, without a float32 copy between.
    /// </summary>
    public static void ReadChannelTimeInto(IH5Dataset dataset, int timeAxis, long start, long count, float[] destination, long stride, long offset)
    {
        var (selection, channels) = TimeSelection(dataset, timeAxis, start, count);
        ReadConverted(dataset, selection, new IntoRows(timeAxis == 0, count, channels, destination, stride, offset));
    }

    /// <summary>Samples [start, start + count) along the time axis of a 2-D dataset, every channel; and the channel count.</summary>
    private static (HyperslabSelection Selection, long Channels) TimeSelection(IH5Dataset dataset, int timeAxis, long start, long count)
    {
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 2) throw new InvalidDataException($"dataset {dataset.Name} has {dims.Length} dimensions, expected 2");
        long channels = (long)dims[1 - timeAxis];
        ulong[] starts = new ulong[2], blocks = new ulong[2];
        starts[timeAxis] = (ulong)start;
        blocks[timeAxis] = (ulong)count;
        blocks[1 - timeAxis] = (ulong)channels;
        return (new HyperslabSelection(2, starts, blocks), channels);
    }

    /// <summary>The selected elements of a numeric dataset converted to float32, in storage order.</summary>
    public static float[] ReadFloats(IH5Dataset dataset, Selection selection) => ReadConverted(dataset, selection, new StorageOrder());

    /// <summary>What to do with the stored values once read in their own type.</summary>
    private interface IConversion
    {
        float[] Apply<T>(T[] values) where T : INumberBase<T>;
    }

    private sealed class StorageOrder : IConversion
    {
        public float[] Apply<T>(T[] values) where T : INumberBase<T>
        {
            if (values is float[] floats) return floats;
            var result = new float[values.Length];
            for (int i = 0; i < values.Length; i++) result[i] = float.CreateTruncating(values[i]);
            return result;
        }
    }

    private sealed class Transposed(long rows, long cols) : IConversion
    {
        public float[] Apply<T>(T[] values) where T : INumberBase<T> => SampleConversion.TransposeToFloat(values, rows, cols);
    }

    /// <summary>Values of [time, channel] (time-major) or [channel, time] into rows of a caller's [channel, time] block.</summary>
    private sealed class IntoRows(bool timeMajor, long samples, long channels, float[] destination, long stride, long offset) : IConversion
    {
        public float[] Apply<T>(T[] values) where T : INumberBase<T>
        {
            if (timeMajor) SampleConversion.TransposeToFloatInto<T>(values, samples, channels, destination, stride, offset);
            else SampleConversion.CopyRows<T>(values, channels, samples, destination, stride, offset);
            return destination;
        }
    }

    private static float[] ReadConverted(IH5Dataset dataset, Selection selection, IConversion conversion)
    {
        var values = new DatasetValues(dataset, selection);
        var type = dataset.Type;
        return (type.Class, type.Size, type.Class == H5DataTypeClass.FixedPoint && type.FixedPoint.IsSigned) switch
        {
            (H5DataTypeClass.FloatingPoint, 4, _) => conversion.Apply(values.Read<float>()),
            (H5DataTypeClass.FloatingPoint, 8, _) => conversion.Apply(values.Read<double>()),
            (H5DataTypeClass.FixedPoint, 1, true) => conversion.Apply(values.Read<sbyte>()),
            (H5DataTypeClass.FixedPoint, 1, false) => conversion.Apply(values.Read<byte>()),
            (H5DataTypeClass.FixedPoint, 2, true) => conversion.Apply(values.Read<short>()),
            (H5DataTypeClass.FixedPoint, 2, false) => conversion.Apply(values.Read<ushort>()),
            (H5DataTypeClass.FixedPoint, 4, true) => conversion.Apply(values.Read<int>()),
            (H5DataTypeClass.FixedPoint, 4, false) => conversion.Apply(values.Read<uint>()),
            (H5DataTypeClass.FixedPoint, 8, true) => conversion.Apply(values.Read<long>()),
            (H5DataTypeClass.FixedPoint, 8, false) => conversion.Apply(values.Read<ulong>()),
            _ => throw new InvalidDataException($"dataset {dataset.Name} has element type {DtypeName(type)}, not a number"),
        };
    }

    private static double[] ReadNumeric(IH5DataType type, IValueSource values, string what) =>
        (type.Class, type.Size, type.Class == H5DataTypeClass.FixedPoint && type.FixedPoint.IsSigned) switch
        {
            (H5DataTypeClass.FloatingPoint, 4, _) => ToDouble(values.Read<float>()),
            (H5DataTypeClass.FloatingPoint, 8, _) => values.Read<double>(),
            (H5DataTypeClass.FixedPoint, 1, true) => ToDouble(values.Read<sbyte>()),
            (H5DataTypeClass.FixedPoint, 1, false) => ToDouble(values.Read<byte>()),
            (H5DataTypeClass.FixedPoint, 2, true) => ToDouble(values.Read<short>()),
            (H5DataTypeClass.FixedPoint, 2, false) => ToDouble(values.Read<ushort>()),
            (H5DataTypeClass.FixedPoint, 4, true) => ToDouble(values.Read<int>()),
            (H5DataTypeClass.FixedPoint, 4, false) => ToDouble(values.Read<uint>()),
            (H5DataTypeClass.FixedPoint, 8, true) => ToDouble(values.Read<long>()),
            (H5DataTypeClass.FixedPoint, 8, false) => ToDouble(values.Read<ulong>()),
            _ => throw new InvalidDataException($"{what} has element type {DtypeName(type)}, not a number"),
        };

    private static double[] ToDouble<T>(T[] source) where T : INumberBase<T>
    {
        var result = new double[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = double.CreateTruncating(source[i]);
        return result;
    }

    /// <summary>Datasets and attributes read alike, with the element type chosen by the caller.</summary>
    private interface IValueSource
    {
        T[] Read<T>() where T : unmanaged;
    }

    private sealed class DatasetValues(IH5Dataset dataset, Selection? selection) : IValueSource
    {
        public T[] Read<T>() where T : unmanaged => dataset.Read<T[]>(selection);
    }

    private sealed class AttributeValues(IH5Attribute attribute) : IValueSource
    {
        public T[] Read<T>() where T : unmanaged => attribute.Read<T[]>();
    }
}
