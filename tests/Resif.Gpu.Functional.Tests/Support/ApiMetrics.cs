using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Resif.Gpu.Functional.Tests.Support;

/// <summary>Records what one server's meter publishes (and nothing from other servers running in parallel).</summary>
internal sealed class ApiMetrics : IDisposable
{
    private readonly MeterListener _listener = new();

    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    public ApiMetrics(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    public double Sum(string instrument, string? tag = null, object? tagValue = null) =>
        Measurements.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), tagValue))).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
