using System.Diagnostics.Metrics;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// The server's measurements, under the meter <see cref="MeterName"/> (any System.Diagnostics.Metrics listener or
/// OpenTelemetry exporter can read them). One instance per server, so tests can tell servers apart.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Resif.Gpu.Server";

    public ServerMetrics()
    {
        Meter = new Meter(MeterName, ProtoMapping.ServerVersion);
        Requests = Meter.CreateCounter<long>("resif.requests", "{request}", "Calls answered, by method and gRPC status");
        BytesIn = Meter.CreateCounter<long>("resif.reduce.bytes_in", "By", "Bytes read from the store by reductions");
        BytesOut = Meter.CreateCounter<long>("resif.reduce.bytes_out", "By", "Result tensor bytes sent (uncompressed)");
        BytesOnWire = Meter.CreateCounter<long>("resif.reduce.bytes_on_wire", "By", "Chunk payload bytes sent (after compression)");
        Blocks = Meter.CreateCounter<long>("resif.reduce.blocks", "{block}", "Channel blocks computed: stops growing when a reduction stops");
        ReductionRatio = Meter.CreateHistogram<double>("resif.reduce.ratio", "1", "Input bytes over output bytes of each completed reduction");
        KernelTime = Meter.CreateHistogram<double>("resif.kernel.time", "s",
            "Time spent computing one block, by operation; operations computed as one step (a fused filter chain, a device pipeline, time-chunked streams) are named together, joined with '+'");
    }

    public Meter Meter { get; }

    public Counter<long> Requests { get; }

    public Counter<long> BytesIn { get; }

    public Counter<long> BytesOut { get; }

    public Counter<long> BytesOnWire { get; }

    public Counter<long> Blocks { get; }

    public Histogram<double> ReductionRatio { get; }

    public Histogram<double> KernelTime { get; }

    /// <summary>The executor's <see cref="Core.Pipeline.StepTimed"/>: one <see cref="KernelTime"/> point per computed step.</summary>
    public void RecordStep(string operations, TimeSpan elapsed) =>
        KernelTime.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operations));

    public void Dispose() => Meter.Dispose();
}
