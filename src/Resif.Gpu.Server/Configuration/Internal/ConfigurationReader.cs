using System.Text.Json;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Server.Limits;
using Resif.Gpu.Server.Telemetry;

namespace Resif.Gpu.Server.Configuration.Internal;

/// <summary>
/// Strict reading of the configuration JSON: each object declares its keys, so a misspelt key is an error (not a
/// silently ignored setting), and each value is checked for type and range where it is read. JSON null = default.
/// </summary>
internal static class ConfigurationReader
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static ServerConfiguration Read(string json, string source, string baseDirectory)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Lenient);
        }
        catch (JsonException e)
        {
            throw new ServerConfigurationException(source, $"line {e.LineNumber + 1}", $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = new Section(document.RootElement, "", source,
                "store", "bind", "port", "webPort", "device", "deviceMemoryFraction", "logLevel", "maxOutputBytes", "tls", "tokenFile", "allowAnonymous", "limits", "telemetry",
                "skipChecksumValidation");
            var defaults = new ServerConfiguration();
            var tls = root.Object("tls", "certificate", "key", "password");
            string? Path(Section? section, string key) =>
                section?.String(key) is { } path ? System.IO.Path.GetFullPath(path, baseDirectory) : null;
            return new ServerConfiguration
            {
                Store = Path(root, "store"),
                Bind = root.String("bind") ?? defaults.Bind,
                Port = (int?)root.Integer("port", 0, 65535) ?? defaults.Port,
                WebPort = (int?)root.Integer("webPort", 0, 65535),
                Device = root.String("device") ?? defaults.Device,
                DeviceMemoryFraction = root.Fraction("deviceMemoryFraction"),
                LogLevel = root.Enum<LogLevel>("logLevel") ?? defaults.LogLevel,
                MaxOutputBytes = root.Integer("maxOutputBytes", 1, long.MaxValue) ?? defaults.MaxOutputBytes,
                TlsCertificate = Path(tls, "certificate"),
                TlsKey = Path(tls, "key"),
                TlsPassword = tls?.String("password"),
                TokenFile = Path(root, "tokenFile"),
                AllowAnonymous = root.Boolean("allowAnonymous") ?? defaults.AllowAnonymous,
                SkipChecksumValidation = root.Boolean("skipChecksumValidation") ?? defaults.SkipChecksumValidation,
                Limits = ReadLimits(root.Object("limits", "maxPipeline", "maxRequestSeconds", "maxConcurrentReductions", "maxQueuedReductions", "maxConcurrentIngests",
                    "requestsPerMinute", "maxFftPoints", "maxSlownessCount", "maxSlownessGridCells", "maxWindowCount", "shutdownGraceSeconds")),
                Telemetry = ReadTelemetry(root.Object("telemetry", "otlpEndpoint", "otlpProtocol", "serviceName", "exportIntervalSeconds")),
            };
        }
    }

    private static ServerLimits ReadLimits(Section? limits)
    {
        var d = ServerLimits.Default;
        if (limits is null) return d;
        return new ServerLimits
        {
            MaxPipelineLength = (int?)limits.Integer("maxPipeline", 1, 10_000) ?? d.MaxPipelineLength,
            MaxRequestDuration = limits.Seconds("maxRequestSeconds") ?? d.MaxRequestDuration,
            MaxConcurrentReductions = (int?)limits.Integer("maxConcurrentReductions", 1, 10_000) ?? d.MaxConcurrentReductions,
            MaxQueuedReductions = (int?)limits.Integer("maxQueuedReductions", 0, 1_000_000) ?? d.MaxQueuedReductions,
            MaxConcurrentIngests = (int?)limits.Integer("maxConcurrentIngests", 1, 10_000) ?? d.MaxConcurrentIngests,
            RequestsPerMinute = (int?)limits.Integer("requestsPerMinute", 0, int.MaxValue) ?? d.RequestsPerMinute,
            MaxFftPoints = limits.Integer("maxFftPoints", 1, long.MaxValue) ?? d.MaxFftPoints,
            MaxSlownessCount = limits.Integer("maxSlownessCount", 1, long.MaxValue) ?? d.MaxSlownessCount,
            MaxSlownessGridCells = limits.Integer("maxSlownessGridCells", 1, long.MaxValue) ?? d.MaxSlownessGridCells,
            MaxWindowCount = limits.Integer("maxWindowCount", 1, long.MaxValue) ?? d.MaxWindowCount,
            ShutdownGrace = limits.Seconds("shutdownGraceSeconds") ?? d.ShutdownGrace,
        };
    }

    private static TelemetryOptions ReadTelemetry(Section? telemetry)
    {
        var d = new TelemetryOptions();
        if (telemetry is null) return d;
        return new TelemetryOptions
        {
            OtlpEndpoint = telemetry.Uri("otlpEndpoint"),
            OtlpProtocol = telemetry.Enum<OtlpProtocol>("otlpProtocol") ?? d.OtlpProtocol,
            ServiceName = telemetry.String("serviceName") ?? d.ServiceName,
            ExportInterval = telemetry.Seconds("exportIntervalSeconds") ?? d.ExportInterval,
        };
    }

    /// <summary>One JSON object of the file, read key by key.</summary>
    private sealed class Section
    {
        private readonly JsonElement _element;
        private readonly string _path;
        private readonly string _source;

        public Section(JsonElement element, string path, string source, params string[] keys)
        {
            _element = element;
            _path = path;
            _source = source;
            if (element.ValueKind != JsonValueKind.Object) throw Error(path.Length == 0 ? "(root)" : path, "must be a JSON object");
            foreach (var property in element.EnumerateObject())
            {
                if (!keys.Contains(property.Name, StringComparer.Ordinal))
                    throw Error(Key(property.Name), $"unknown key (known here: {string.Join(", ", keys)})");
            }
        }

        public Section? Object(string key, params string[] keys) =>
            Get(key) is { } value ? new Section(value, Key(key), _source, keys) : null;

        public string? String(string key) => Get(key) is { } value
            ? value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : throw Error(Key(key), "must be a non-empty string")
            : null;

        public bool? Boolean(string key) => Get(key) is { } value
            ? value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Error(Key(key), "must be true or false")
            : null;

        public long? Integer(string key, long min, long max) => Get(key) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) && n >= min && n <= max ? n
                : throw Error(Key(key), $"must be an integer from {min} to {max}")
            : null;

        public double? Fraction(string key) => Get(key) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.GetDouble() is > 0 and <= 1 and var f ? f : throw Error(Key(key), "must be a number > 0 and <= 1")
            : null;

        public TimeSpan? Seconds(string key) => Get(key) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.GetDouble() is > 0 and <= 366 * 86400 and var s ? TimeSpan.FromSeconds(s)
                : throw Error(Key(key), "must be a number of seconds > 0")
            : null;

        public T? Enum<T>(string key) where T : struct, Enum => String(key) is { } text
            ? System.Enum.TryParse<T>(text.Replace("/", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed) ? parsed
                : throw Error(Key(key), $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}")
            : null;

        public Uri? Uri(string key) => String(key) is { } text
            ? System.Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
                : throw Error(Key(key), $"'{text}' is not an http(s) URL")
            : null;

        private JsonElement? Get(string key) =>
            _element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private string Key(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

        private ServerConfigurationException Error(string key, string message) => new(_source, key, message);
    }
}
