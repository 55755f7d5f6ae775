using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Resif.Gpu.Server.Telemetry;

/// <summary>How an OTLP exporter reaches its collector.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (collectors listen on port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (port 4318, paths /v1/metrics and /v1/traces).</summary>
    HttpProtobuf,
}

/// <summary>
/// Export of the server's metrics (meter "Resif.Gpu.Server": requests, bytes in/out/on wire, reduction ratio, kernel
/// time per operation, blocks; plus ASP.NET Core's request metrics) and traces (ASP.NET Core's request spans and one
/// "resif.reduce" span per reduction, with its array, pipeline and bytes) through OpenTelemetry. Off
/// unless an OTLP endpoint or extra metric exporters are given: the meter itself always works for in-process listeners.
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>OTLP collector, e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (HTTP); null = no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; init; }

    public OtlpProtocol OtlpProtocol { get; init; } = OtlpProtocol.Grpc;

    /// <summary>The service.name resource attribute collectors group by.</summary>
    public string ServiceName { get; init; } = "resif-gpu";

    /// <summary>How often metrics are pushed to the OTLP endpoint.</summary>
    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>More metric exporters or views on the same provider (a console or in-memory exporter, for instance).</summary>
    public Action<MeterProviderBuilder>? ConfigureMetrics { get; init; }

    /// <summary>More trace exporters on the provider that receives ASP.NET Core's request spans and the "resif.reduce" spans.</summary>
    public Action<TracerProviderBuilder>? ConfigureTracing { get; init; }

    public bool Enabled => OtlpEndpoint is not null || ConfigureMetrics is not null || TracesEnabled;

    /// <summary>Spans are only made when something exports them.</summary>
    public bool TracesEnabled => OtlpEndpoint is not null || ConfigureTracing is not null;
}
