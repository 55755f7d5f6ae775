using System.Globalization;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>
/// Builds a <see cref="V1.ReduceRequest"/> fluently:
/// <c>new ReduceRequestBuilder("a").Channels(0, 100).Time(2, 12).Bandpass(1, 10).Decimate(5).Build()</c>.
/// Parameters travel typed; the server validates them and names the offending field when one is wrong.
/// </summary>
public sealed class ReduceRequestBuilder
{
    private readonly V1.ReduceRequest _request;

    public ReduceRequestBuilder(string array)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(array);
        _request = new V1.ReduceRequest { Array = array, Selection = new V1.Selection() };
    }

    /// <summary>Channels by index, [start, stop) every step-th; stop 0 = to the end.</summary>
    public ReduceRequestBuilder Channels(long start, long stop = 0, long step = 1)
    {
        _request.Selection.Distance = null;
        _request.Selection.Channels = new V1.IndexRange { Start = start, Stop = stop, Step = step };
        return this;
    }

    /// <summary>Channels whose distance in metres lies in [from, to] (both included); null = open on that side.</summary>
    public ReduceRequestBuilder Distance(double? from, double? to, long step = 1)
    {
        _request.Selection.Channels = null;
        _request.Selection.Distance = new V1.DistanceWindow { Start = from, End = to, Step = step };
        return this;
    }

    /// <summary>Time window [start, end) in seconds after the first sample; end 0 = to the end.</summary>
    public ReduceRequestBuilder Time(double start, double end = 0)
    {
        _request.Selection.Instants = null;
        _request.Selection.Time = new V1.TimeWindow { Start = start, End = end };
        return this;
    }

    /// <summary>Time window [start, end) between absolute instants; null = the array's first or last sample.</summary>
    public ReduceRequestBuilder Time(DateTimeOffset? start, DateTimeOffset? end)
    {
        _request.Selection.Time = null;
        _request.Selection.Instants = new V1.InstantWindow { Start = Iso(start), End = Iso(end) };
        return this;
    }

    public ReduceRequestBuilder Bandpass(double freqmin, double freqmax, int corners = 4, bool zerophase = false) =>
        Apply("bandpass", ("freqmin", freqmin), ("freqmax", freqmax), ("corners", corners), ("zerophase", zerophase));

    public ReduceRequestBuilder Lowpass(double freq, int corners = 4, bool zerophase = false) =>
        Apply("lowpass", ("freq", freq), ("corners", corners), ("zerophase", zerophase));

    public ReduceRequestBuilder Highpass(double freq, int corners = 4, bool zerophase = false) =>
        Apply("highpass", ("freq", freq), ("corners", corners), ("zerophase", zerophase));

    public ReduceRequestBuilder Decimate(int factor) => Apply("decimate", ("factor", factor));

    /// <summary>Any operation the server lists, with typed parameters (double, long/int, bool or string).</summary>
    public ReduceRequestBuilder Apply(string operation, params (string Name, object Value)[] parameters)
    {
        var message = new V1.Operation { Name = operation };
        foreach (var (name, value) in parameters) message.Params[name] = ToParam(name, value);
        _request.Operations.Add(message);
        return this;
    }

    public ReduceRequestBuilder OutputType(V1.DataType type, double int16Scale = 0)
    {
        _request.OutputDtype = type;
        _request.Int16Scale = int16Scale;
        return this;
    }

    public ReduceRequestBuilder Compression(V1.Compression compression)
    {
        _request.Compression = compression;
        return this;
    }

    public ReduceRequestBuilder MaxOutputBytes(long bytes)
    {
        _request.MaxOutputBytes = bytes;
        return this;
    }

    /// <summary>A copy, so the builder can go on being used.</summary>
    public V1.ReduceRequest Build() => _request.Clone();

    private static string Iso(DateTimeOffset? instant) => instant?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) ?? "";

    private static V1.ParamValue ToParam(string name, object value) => value switch
    {
        bool flag => new V1.ParamValue { Flag = flag },
        int or long or short => new V1.ParamValue { Integer = Convert.ToInt64(value, CultureInfo.InvariantCulture) },
        double or float => new V1.ParamValue { Number = Convert.ToDouble(value, CultureInfo.InvariantCulture) },
        string text => new V1.ParamValue { Text = text },
        _ => throw new ArgumentException($"parameter '{name}': {value.GetType().Name} is not a number, bool or string", nameof(value)),
    };
}
