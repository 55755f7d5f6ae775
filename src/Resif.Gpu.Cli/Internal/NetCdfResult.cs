using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// A reduction result as a NetCDF-3 file that xarray opens (engine "scipy"): one coordinate variable per dim (float64;
/// time as "seconds since ORIGIN" so xarray decodes datetime64), the values in "data" over the result's dims, or, for a
/// complex result, in two float32 variables "real" and "imag" (NetCDF-3 has no complex type); labelled dims get
/// string coordinates. float16 is widened to
/// float32 (exact); int16 stays int16 with a CF "scale_factor" that xarray applies. Provenance is a JSON attribute.
/// </summary>
internal sealed class NetCdfResult : IResultWriter
{
    private readonly NetCdfWriter _writer;
    private readonly V1.DataType _type;
    private readonly int _firstDataVariable;
    private long _elementsWritten;

    public NetCdfResult(string path, V1.ResultHeader header)
    {
        _type = header.Dtype;
        var dims = header.Dims.Zip(header.Shape, (d, n) => (Name: d, Length: n)).ToList();
        var coordinates = header.Dims.Select(d => header.Coords.FirstOrDefault(c => c.Dim == d)).OfType<V1.Coordinate>().ToArray();
        var variables = new List<NcVariable>();
        foreach (var c in coordinates)
        {
            if (c.Labels.Count == 0)
            {
                variables.Add(new NcVariable(c.Dim, [c.Dim], NcType.Double, CoordinateAttributes(c)));
                continue;
            }
            // Named entries (e.g. arraybeam's quantities): a character array, which xarray decodes to strings.
            string length = $"{c.Dim}_strlen";
            dims.Add((length, Math.Max(1, c.Labels.Max(l => Encoding.UTF8.GetByteCount(l)))));
            variables.Add(new NcVariable(c.Dim, [c.Dim, length], NcType.Char, [NcAttribute.Of("_Encoding", "utf-8")]));
        }
        _firstDataVariable = variables.Count;
        var units = NcAttribute.Of("units", header.Units);
        variables.AddRange(_type switch
        {
            V1.DataType.Float32 or V1.DataType.Float16 => [new NcVariable("data", header.Dims, NcType.Float, [units])],
            V1.DataType.Int16 => [new NcVariable("data", header.Dims, NcType.Short, [units, NcAttribute.Of("scale_factor", header.ScaleFactor)])],
            V1.DataType.Complex64 =>
            [
                new NcVariable("real", header.Dims, NcType.Float, [units, NcAttribute.Of("long_name", "real part")]),
                new NcVariable("imag", header.Dims, NcType.Float, [units, NcAttribute.Of("long_name", "imaginary part")]),
            ],
            _ => throw new NotSupportedException($"a {header.Dtype} result cannot be written as NetCDF"),
        });
        NcAttribute[] globals =
        [
            NcAttribute.Of("array", header.Array),
            NcAttribute.Of("provenance", ResultFiles.ProvenanceJson(header)),
            NcAttribute.Of("backend", header.Backend),
            NcAttribute.Of("device", header.Device),
            NcAttribute.Of("server_version", header.ServerVersion),
        ];
        _writer = new NetCdfWriter(path, dims, globals, variables);
        for (int i = 0; i < coordinates.Length; i++)
        {
            if (coordinates[i].Labels.Count == 0) _writer.WriteDoubles(i, Values(coordinates[i]));
            else _writer.Write(i, 0, Labels(coordinates[i].Labels, dims.First(d => d.Name == $"{coordinates[i].Dim}_strlen").Length));
        }
    }

    /// <summary>Converts the next wire bytes (little-endian, whole elements of the header's dtype) to big-endian and writes them.</summary>
    public void Append(ReadOnlySpan<byte> wireBytes)
    {
        int elementBytes = _type switch { V1.DataType.Complex64 => 8, V1.DataType.Float32 => 4, _ => 2 };
        if (wireBytes.Length % elementBytes != 0) throw new InvalidDataException($"a chunk of {wireBytes.Length} bytes is not whole {_type} values");
        int count = wireBytes.Length / elementBytes;
        switch (_type)
        {
            case V1.DataType.Float32:
            case V1.DataType.Int16:
            {
                var converted = new byte[wireBytes.Length];
                if (_type == V1.DataType.Int16) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, short>(wireBytes), MemoryMarshal.Cast<byte, short>(converted.AsSpan()));
                else BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(wireBytes), MemoryMarshal.Cast<byte, int>(converted.AsSpan()));
                _writer.Write(_firstDataVariable, _elementsWritten, converted);
                break;
            }
            case V1.DataType.Float16:
            {
                var halves = MemoryMarshal.Cast<byte, Half>(wireBytes);
                var converted = new byte[count * 4];
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleBigEndian(converted.AsSpan(i * 4), (float)halves[i]);
                _writer.Write(_firstDataVariable, _elementsWritten, converted);
                break;
            }
            default: // complex64: interleaved (re, im) pairs split into the two variables
            {
                var pairs = MemoryMarshal.Cast<byte, float>(wireBytes);
                var real = new byte[count * 4];
                var imag = new byte[count * 4];
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteSingleBigEndian(real.AsSpan(i * 4), pairs[2 * i]);
                    BinaryPrimitives.WriteSingleBigEndian(imag.AsSpan(i * 4), pairs[2 * i + 1]);
                }
                _writer.Write(_firstDataVariable, _elementsWritten, real);
                _writer.Write(_firstDataVariable + 1, _elementsWritten, imag);
                break;
            }
        }
        _elementsWritten += count;
    }

    public void Dispose() => _writer.Dispose();

    private static double[] Values(V1.Coordinate c) => c.Values.Count > 0
        ? [.. c.Values]
        : Enumerable.Range(0, checked((int)c.Length)).Select(i => c.Start + i * c.Step).ToArray();

    /// <summary>Each label as UTF-8, zero-padded to <paramref name="width"/> bytes.</summary>
    private static byte[] Labels(IReadOnlyList<string> labels, long width)
    {
        var bytes = new byte[labels.Count * width];
        for (int i = 0; i < labels.Count; i++) Encoding.UTF8.GetBytes(labels[i], bytes.AsSpan((int)(i * width)));
        return bytes;
    }

    /// <summary>Units, with a time axis referred to its origin the CF way so xarray turns it into datetime64.</summary>
    private static List<NcAttribute> CoordinateAttributes(V1.Coordinate c)
    {
        var attributes = new List<NcAttribute>();
        if (c.Units == "s" && DateTimeOffset.TryParse(c.Origin, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var origin))
        {
            attributes.Add(NcAttribute.Of("units", string.Create(CultureInfo.InvariantCulture,
                $"seconds since {origin.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}")));
        }
        else
        {
            attributes.Add(NcAttribute.Of("units", c.Units));
            if (c.Origin.Length > 0) attributes.Add(NcAttribute.Of("origin", c.Origin));
        }
        return attributes;
    }
}
