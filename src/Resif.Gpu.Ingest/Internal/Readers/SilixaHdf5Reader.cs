using System.Globalization;
using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Silixa iDAS native HDF5: <c>/Acoustic</c> (time, channel) with every setting as a string attribute.
/// Channel spacing is <c>SpatialResolution[m] * Fibre Length Multiplier</c>; the first channel lies at the vendor's
/// "Start Distance (m)" when present, else at <c>StartPosition[m] * multiplier</c>. Start time is the
/// "ISO8601 Timestamp" when present, else the day-first GPSTimeStamp.
/// </summary>
internal sealed class SilixaHdf5Reader : Hdf5FormatReader
{
    private const string DataPath = "Acoustic";

    public override string Format => "SILIXA_H5";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, DataPath) && file.Dataset(DataPath).AttributeExists("SamplingFrequency[Hz]");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset(DataPath);
        ulong[] dims = data.Space.Dimensions;
        if (dims.Length != 2) throw new InvalidDataException($"/{DataPath} has {dims.Length} dimensions, expected 2 (time, channel)");
        long samples = (long)dims[0], channels = (long)dims[1];

        double multiplier = H5.OptionalNumber(data, "Fibre Length Multiplier") ?? 1.0;
        double step = H5.Number(data, "SpatialResolution[m]") * multiplier;
        double start = H5.OptionalNumber(data, "Start Distance (m)") ?? H5.Number(data, "StartPosition[m]") * multiplier;

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(data, "", metadata);
        if (metadata.TryGetValue("GaugeLength", out string? gauge)) metadata["gauge_length"] = gauge;
        if (metadata.TryGetValue("iDASVersion", out string? version)) metadata["interrogator"] = "Silixa iDAS " + version;

        return Info(path, DistanceAxis(channels, start, step),
            TimeAxis(samples, 1.0 / H5.Number(data, "SamplingFrequency[Hz]"), StartTime(data)), H5.DtypeName(data.Type), "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info) => (file.Dataset(DataPath), 0);

    private static DateTimeOffset StartTime(IH5Dataset data)
    {
        if (H5.OptionalText(data, "ISO8601 Timestamp") is { Length: > 0 } iso) return DasTime.ParseIso(iso);
        // "22/09/2023 18:29:26.158 (UTC)": day first.
        string gps = H5.OptionalText(data, "GPSTimeStamp") ?? throw new InvalidDataException("no ISO8601 Timestamp nor GPSTimeStamp attribute");
        string text = gps.Replace("(UTC)", "", StringComparison.Ordinal).Trim();
        return DateTimeOffset.TryParseExact(text, ["dd/MM/yyyy HH:mm:ss.FFFFFFF", "dd/MM/yyyy HH:mm:ss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? DasTime.RoundToMicrosecond(t) : throw new InvalidDataException($"GPSTimeStamp '{gps}' is not day/month/year hh:mm:ss");
    }
}
