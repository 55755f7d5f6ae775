using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Resif.Gpu.Server.Internal;

namespace Resif.Gpu.Server.Telemetry.Internal;

/// <summary>Registers the OpenTelemetry SDK on the server's host when <see cref="TelemetryOptions.Enabled"/>; the
/// reduction spans' interceptor goes in with the other gRPC interceptors (<see cref="ReductionTracing"/>).</summary>
internal static class TelemetrySetup
{
    /// <summary>ASP.NET Core's own instruments (request durations, connections) and request activities.</summary>
    private static readonly string[] AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];
    private const string AspNetCoreActivitySource = "Microsoft.AspNetCore";

    public static void Add(IServiceCollection services, TelemetryOptions options)
    {
        if (!options.Enabled) return;
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceVersion: ProtoMapping.ServerVersion))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([ServerMetrics.MeterName, .. AspNetCoreMeters]);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        Configure(exporter, options, endpoint, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
                    });
                }
                options.ConfigureMetrics?.Invoke(metrics);
            });
        if (options.TracesEnabled)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(AspNetCoreActivitySource, ReductionTracing.SourceName);
                if (options.OtlpEndpoint is { } endpoint) tracing.AddOtlpExporter(exporter => Configure(exporter, options, endpoint, "v1/traces"));
                options.ConfigureTracing?.Invoke(tracing);
            });
        }
    }

    /// <summary>Over HTTP each signal has its own path under the collector's address; over gRPC the address is used as is.</summary>
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, Uri endpoint, string httpPath)
    {
        exporter.Protocol = options.OtlpProtocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        exporter.Endpoint = options.OtlpProtocol == OtlpProtocol.Grpc || endpoint.AbsolutePath.EndsWith(httpPath, StringComparison.Ordinal)
            ? endpoint
            : new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/" + httpPath);
    }
}
