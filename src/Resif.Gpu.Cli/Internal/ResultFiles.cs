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
/// Writes a reduction stream to FILE.npy (C order, streamed chunk by chunk) and FILE.json (the header: dims, shape,
/// dtype, coordinates, units, provenance, backend, device). The embedded and remote paths both come through here.
/// </summary>
internal static class ResultFiles
{
    public static string SidecarPath(string npyPath) => Path.ChangeExtension(npyPath, ".json");

    public static async Task<(V1.ResultHeader Header, V1.ResultTrailer Trailer)> WriteAsync(IAsyncEnumerable<V1.ReduceResponse> responses,
        string npyPath, CancellationToken cancellationToken, TerminalProgress? progress = null)
    {
        long received = 0;
        string partial = npyPath + ".partial";
        try
        {
            V1.ResultHeader header;
            V1.ResultTrailer trailer;
            await using (var stream = File.Create(partial))
            {
                (header, trailer) = await ReductionStream.ReadAsync(responses,
                    h =>
                    {
                        NpyFile.WriteHeader(stream, h.Shape, ToElementType(h.Dtype));
                        if (progress is not null) progress.TotalBytes = SizeOf(h);
                    },
                    (_, bytes) =>
                    {
                        stream.Write(bytes.Span);
                        progress?.Report(received += bytes.Length);
                    }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            File.Move(partial, npyPath, overwrite: true);
            await File.WriteAllTextAsync(SidecarPath(npyPath), ToJson(header), cancellationToken).ConfigureAwait(false);
            return (header, trailer);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static ElementType ToElementType(V1.DataType type) => type switch
    {
        V1.DataType.Float32 => ElementType.Float32,
        V1.DataType.Complex64 => ElementType.Complex64,
        _ => throw new InvalidDataException($"the server sent dtype {type}, which this client cannot write"),
    };

    /// <summary>Bytes of a result of this header's shape and dtype (for progress).</summary>
    public static double SizeOf(V1.ResultHeader header) =>
        header.Shape.Aggregate(1.0, (product, n) => product * n) * (header.Dtype == V1.DataType.Complex64 ? 8 : 4);

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
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Deterministic JSON of a header (what it says, not how long it took), so both paths write the same bytes.</summary>
    public static string ToJson(V1.ResultHeader header)
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
            json.WriteStartArray("provenance");
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
            json.WriteString("server_version", header.ServerVersion);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
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
