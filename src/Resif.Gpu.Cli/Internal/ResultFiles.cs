using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Cli.Internal.Plotting;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// Writes a reduction stream to FILE.npy (C order, in the dtype that travelled, streamed chunk by chunk) and FILE.json
/// (the header: dims, shape, dtype, int16 scale, coordinates, units, provenance, backend, device), or to FILE.nc
/// (<see cref="NetCdfResult"/>). The embedded and remote paths both come through here.
/// </summary>
internal static class ResultFiles
{
    public static string SidecarPath(string npyPath) => Path.ChangeExtension(npyPath, ".json");

    /// <summary>True for paths that get NetCDF (FILE.nc) rather than .npy + .json.</summary>
    public static bool IsNetCdf(string path) => path.EndsWith(".nc", StringComparison.OrdinalIgnoreCase);

    public static async Task<(V1.ResultHeader Header, V1.ResultTrailer Trailer)> WriteAsync(IAsyncEnumerable<V1.ReduceResponse> responses,
        string path, CancellationToken cancellationToken, TerminalProgress? progress = null)
    {
        long received = 0;
        string partial = path + ".partial";
        try
        {
            V1.ResultHeader header;
            V1.ResultTrailer trailer;
            IResultWriter? writer = null;
            try
            {
                (header, trailer) = await ReductionStream.ReadAsync(responses,
                    h =>
                    {
                        writer = IsNetCdf(path) ? new NetCdfResult(partial, h) : new NpyResult(partial, h);
                        if (progress is not null) progress.TotalBytes = SizeOf(h);
                    },
                    (_, bytes) =>
                    {
                        writer!.Append(bytes.Span);
                        progress?.Report(received += bytes.Length);
                    }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                writer?.Dispose();
            }
            File.Move(partial, path, overwrite: true);
            if (!IsNetCdf(path)) await File.WriteAllTextAsync(SidecarPath(path), ToJson(header, trailer), cancellationToken).ConfigureAwait(false);
            return (header, trailer);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>NumPy's name of a wire element type (little-endian).</summary>
    private static string NpyDescr(V1.DataType type) => type switch
    {
        V1.DataType.Float32 => "<f4",
        V1.DataType.Complex64 => "<c8",
        V1.DataType.Float16 => "<f2",
        V1.DataType.Int16 => "<i2",
        _ => throw new InvalidDataException($"the server sent dtype {type}, which this client cannot write"),
    };

    /// <summary>The wire bytes as they come after a .npy header: the file holds exactly the dtype that travelled.</summary>
    private sealed class NpyResult : IResultWriter
    {
        private readonly FileStream _stream;

        public NpyResult(string path, V1.ResultHeader header)
        {
            string descr = NpyDescr(header.Dtype);
            _stream = File.Create(path);
            NpyFile.WriteHeader(_stream, header.Shape, descr);
        }

        public void Append(ReadOnlySpan<byte> wireBytes) => _stream.Write(wireBytes);

        public void Dispose() => _stream.Dispose();
    }

    /// <summary>Bytes of a result of this header's shape and dtype (for progress).</summary>
    public static double SizeOf(V1.ResultHeader header) =>
        header.Shape.Aggregate(1.0, (product, n) => product * n) * ReductionResult.ElementBytes(header.Dtype);

    /// <summary>Reads a written result back and draws the picture that suits it (see <see cref="ResultPlot"/>).</summary>
    public static void WritePlot(V1.ResultHeader header, string npyPath, string pngPath, string title, IReadOnlyList<double>? velocities = null)
    {
        var (shape, _, values) = NpyFile.Read(npyPath);
        File.WriteAllBytes(pngPath, ResultPlot.Render(header, shape, values, title, velocities));
    }

    public static string DtypeName(V1.DataType type) => type switch
    {
        V1.DataType.Float32 => "float32",
        V1.DataType.Complex64 => "complex64",
        V1.DataType.Float16 => "float16",
        V1.DataType.Int16 => "int16",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Deterministic JSON of a header (what it says, not how long it took), so both paths write the same bytes; with the
    /// trailer, "device_at_end" is added when the device changed during the work (a GPU that failed mid-way).
    /// </summary>
    public static string ToJson(V1.ResultHeader header, V1.ResultTrailer? trailer = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("array", header.Array);
            WriteStrings(json, "dims", header.Dims);
            json.WriteStartArray("shape");
            foreach (long n in header.Shape) json.WriteNumberValue(n);
            json.WriteEndArray();
            json.WriteString("dtype", DtypeName(header.Dtype));
            json.WriteString("units", header.Units);
            json.WriteStartArray("coords");
            foreach (var coordinate in header.Coords) WriteCoordinate(json, coordinate);
            json.WriteEndArray();
            if (header.Dtype == V1.DataType.Int16) json.WriteNumber("scale_factor", header.ScaleFactor);
            json.WritePropertyName("provenance");
            WriteProvenance(json, header);
            if (header.ResolvedSelection is { } selection)
            {
                json.WriteStartObject("resolved_selection");
                json.WriteStartObject("channels");
                json.WriteNumber("start", selection.Channels?.Start ?? 0);
                json.WriteNumber("stop", selection.Channels?.Stop ?? 0);
                json.WriteNumber("step", selection.Channels?.Step ?? 1);
                json.WriteEndObject();
                json.WriteStartObject("time");
                json.WriteNumber("start", selection.Time?.Start ?? 0);
                json.WriteNumber("end", selection.Time?.End ?? 0);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteString("backend", header.Backend);
            json.WriteString("device", header.Device);
            if (trailer is { Device.Length: > 0 } && trailer.Device != header.Device) json.WriteString("device_at_end", trailer.Device);
            json.WriteString("server_version", header.ServerVersion);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The pipeline as run: [{"name": ..., "params": {...}}, ...].</summary>
    public static string ProvenanceJson(V1.ResultHeader header)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteProvenance(json, header);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteProvenance(Utf8JsonWriter json, V1.ResultHeader header)
    {
        json.WriteStartArray();
        foreach (var step in header.Provenance)
        {
            json.WriteStartObject();
            json.WriteString("name", step.Name);
            json.WriteStartObject("params");
            foreach (var (key, value) in step.Params) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteCoordinate(Utf8JsonWriter json, V1.Coordinate coordinate)
    {
        json.WriteStartObject();
        json.WriteString("dim", coordinate.Dim);
        json.WriteString("units", coordinate.Units);
        json.WriteNumber("length", coordinate.Length);
        if (coordinate.Values.Count > 0)
        {
            json.WriteStartArray("values");
            foreach (double v in coordinate.Values) json.WriteNumberValue(v);
            json.WriteEndArray();
        }
        else
        {
            json.WriteNumber("start", coordinate.Start);
            json.WriteNumber("step", coordinate.Step);
        }
        if (coordinate.Labels.Count > 0) WriteStrings(json, "labels", coordinate.Labels);
        if (coordinate.Origin.Length > 0) json.WriteString("origin", coordinate.Origin);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }
}

/// <summary>Receives a result's wire bytes in order (after the header made it) and writes them to a file format.</summary>
internal interface IResultWriter : IDisposable
{
    void Append(ReadOnlySpan<byte> wireBytes);
}
