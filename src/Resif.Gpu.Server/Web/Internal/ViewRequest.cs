using System.Globalization;
using System.Text.Json;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Server.Web.Internal;

/// <summary>
/// What the page asks for: a window of an array, an optional pipeline, and the size in pixels of the canvas that
/// will show it. ChannelStep 0 lets the server pick a stride when there are more channels than pixel rows.
/// </summary>
internal sealed record ViewRequest(string Array, long ChannelStart, long ChannelStop, long ChannelStep, double TimeStart, double TimeEnd,
    IReadOnlyList<OperationRequest> Operations, int Width, int Height)
{
    /// <summary>Bounds the grid sent back: no screen needs more, and it keeps a response under ~16 MB.</summary>
    public const int MaxPixels = 4096;

    /// <summary>Parses the JSON body; every error names the field to fix.</summary>
    public static ViewRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new InvalidRequestException("body", "expected a JSON object");
        string array = body.TryGetProperty("array", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() is { Length: > 0 } name
            ? name
            : throw new InvalidRequestException("array", "an array name is required");
        var channels = Object(body, "channels");
        var time = Object(body, "time");
        return new ViewRequest(array,
            Integer(channels, "start", "channels.start", 0), Integer(channels, "stop", "channels.stop", 0), Integer(channels, "step", "channels.step", 0),
            Number(time, "start", "time.start"), Number(time, "end", "time.end"),
            ParseOperations(body),
            Pixels(body, "width"), Pixels(body, "height"));
    }

    private static JsonElement? Object(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Object ? value : throw new InvalidRequestException(name, "expected an object");
    }

    private static long Integer(JsonElement? parent, string name, string field, long absent)
    {
        if (parent is not { } p || !p.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return absent;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long value) ? value : throw new InvalidRequestException(field, $"'{v}' is not an integer");
    }

    private static double Number(JsonElement? parent, string name, string field)
    {
        if (parent is not { } p || !p.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return 0;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double value) && double.IsFinite(value)
            ? value
            : throw new InvalidRequestException(field, $"'{v}' is not a finite number of seconds");
    }

    private static int Pixels(JsonElement body, string name)
    {
        long value = Integer(body, name, name, 0);
        return value is >= 1 and <= MaxPixels ? (int)value : throw new InvalidRequestException(name, $"{value} must be in [1, {MaxPixels}] pixels");
    }

    private static IReadOnlyList<OperationRequest> ParseOperations(JsonElement body)
    {
        if (!body.TryGetProperty("operations", out var list) || list.ValueKind == JsonValueKind.Null) return [];
        if (list.ValueKind != JsonValueKind.Array) throw new InvalidRequestException("operations", "expected a list");
        var operations = new List<OperationRequest>();
        foreach (var item in list.EnumerateArray())
        {
            string field = $"operations[{operations.Count}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                throw new InvalidRequestException($"{field}.name", "each operation needs a name");
            var parameters = new Dictionary<string, string>();
            if (item.TryGetProperty("parameters", out var ps) && ps.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in ps.EnumerateObject())
                {
                    parameters[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Number => p.Value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => throw new InvalidRequestException($"{field}.{p.Name}", "expected a string, number or boolean"),
                    };
                }
            }
            operations.Add(new OperationRequest(n.GetString()!, parameters));
        }
        return operations;
    }
}
