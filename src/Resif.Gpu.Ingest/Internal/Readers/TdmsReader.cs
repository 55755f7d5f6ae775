using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Ingest.Internal.Tdms;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Silixa iDAS TDMS (versions 4712/4713), parsed by <see cref="TdmsFile"/>. Root properties give the rate
/// (SamplingFrequency[Hz]), the channel spacing (SpatialResolution[m] * Fibre Length Multiplier), the first channel
/// (like the Silixa HDF5 reader: "Start Distance (m)" when present, else StartPosition[m] * multiplier) and the
/// start (GPSTimeStamp, LabVIEW time). A truncated file reads the complete samples present; metadata then has
/// "truncated" = "true" and "declared_samples". A file with no complete sample is refused.
/// </summary>
internal sealed class TdmsReader : FormatReader
{
    public override string Format => "TDMS";

    public override bool CanRead(string path, ReadOnlySpan<byte> head) =>
        head.Length >= TdmsFile.LeadInLength && head[..4].SequenceEqual(TdmsFile.Tag);

    protected override DasFileInfo ScanFile(string path)
    {
        var tdms = Parse(path);
        var props = tdms.RootProperties;
        double rate = Number(props, "SamplingFrequency[Hz]");
        double multiplier = props.ContainsKey("Fibre Length Multiplier") ? Number(props, "Fibre Length Multiplier") : 1.0;
        double step = Number(props, "SpatialResolution[m]") * multiplier;
        double start = props.ContainsKey("Start Distance (m)") ? Number(props, "Start Distance (m)")
            : props.ContainsKey("StartPosition[m]") ? Number(props, "StartPosition[m]") * multiplier : 0.0;
        var origin = props.TryGetValue("GPSTimeStamp", out object? stamp) && stamp is DateTimeOffset t
            ? DasTime.RoundToMicrosecond(t)
            : throw new InvalidDataException("no GPSTimeStamp time stamp property");

        var metadata = props.ToDictionary(p => p.Key, p => p.Value switch
        {
            DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
            double v => v.ToString("R", CultureInfo.InvariantCulture),
            var other => other.ToString() ?? "",
        }, StringComparer.Ordinal);
        metadata["tdms_version"] = tdms.Version.ToString(CultureInfo.InvariantCulture);
        metadata["truncated"] = tdms.Truncated ? "true" : "false";
        metadata["declared_samples"] = tdms.DeclaredSamples.ToString(CultureInfo.InvariantCulture);
        if (metadata.TryGetValue("GaugeLength", out string? gauge)) metadata["gauge_length"] = gauge;
        if (metadata.TryGetValue("iDASVersion", out string? version)) metadata["interrogator"] = "Silixa iDAS " + version;

        var distance = new Coordinate("distance", "m", tdms.Channels.Count, start, step) { Labels = tdms.Channels.Select(ChannelName).ToArray() };
        return Info(path, double.IsFinite(start) && double.IsFinite(step) ? distance : DistanceAxis(0, start, step),
            TimeAxis(tdms.Samples, 1.0 / rate, origin), tdms.DataType.DtypeName(), "", metadata);
    }

    protected override float[] ReadSamples(string path, DasFileInfo info, long start, long count) => Parse(path).ReadSamples(path, start, count);

    private static TdmsFile Parse(string path)
    {
        var tdms = TdmsFile.Parse(path);
        return tdms.Samples > 0 ? tdms
            : throw new InvalidDataException($"no complete sample present (declared {tdms.DeclaredSamples}; the file is truncated)");
    }

    /// <summary>"/'Measurement'/'12'" → "12".</summary>
    private static string ChannelName(string objectPath)
    {
        int slash = objectPath.LastIndexOf('/');
        return objectPath[(slash + 1)..].Trim('\'');
    }

    /// <summary>Silixa writes some numbers as strings; TDMS numeric properties come as double.</summary>
    private static double Number(Dictionary<string, object> props, string name) => props.TryGetValue(name, out object? value)
        ? value switch
        {
            double d => d,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => throw new InvalidDataException($"property '{name}' is not a number: {value}"),
        }
        : throw new InvalidDataException($"property '{name}' missing");
}
