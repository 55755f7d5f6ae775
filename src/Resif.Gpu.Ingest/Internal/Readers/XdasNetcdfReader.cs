using System.Globalization;
using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// xdas native NetCDF4 (CF-1.9, HDF5 underneath): <c>/__values__</c> with coordinates given as tie points
/// (<c>time_indices</c> ↔ <c>time_values</c>, <c>distance_indices</c> ↔ <c>distance_values</c>, linear
/// interpolation between them, as its <c>coordinate_interpolation</c> attribute says). Time values carry CF
/// units ("milliseconds since 2023-01-01T00:00:00"). Both axes must be linear across all tie points (gaps or
/// rate changes are refused: the recording model holds one regular time axis).
/// </summary>
internal sealed class XdasNetcdfReader : Hdf5FormatReader
{
    private const string DataPath = "__values__";

    public override string Format => "XDAS_NETCDF";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, DataPath) && file.Dataset(DataPath).AttributeExists("coordinate_interpolation")
        && H5.IsDataset(file, "time_indices") && H5.IsDataset(file, "distance_indices");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset(DataPath);
        ulong[] dims = data.Space.Dimensions;
        var time = TiePoints(file, "time");
        var distance = TiePoints(file, "distance");
        int timeAxis = TimeAxisOf(dims, time.Length, distance.Length);

        string timeUnits = H5.OptionalText(file.Dataset("time_values"), "units") ?? throw new InvalidDataException("time_values has no units");
        (double secondsPerUnit, DateTimeOffset epoch) = ParseCfTimeUnits(timeUnits);
        var origin = DasTime.RoundToMicrosecond(epoch.AddTicks((long)Math.Round(time.Start * secondsPerUnit * TimeSpan.TicksPerSecond)));

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(file, "", metadata);
        H5.CollectAttributes(data, "values.", metadata);
        string distanceUnits = H5.OptionalText(file.Dataset("distance_values"), "units") ?? "m";
        metadata["distance_units"] = distanceUnits;

        return Info(path, DistanceAxis(distance.Length, distance.Start, distance.Step),
            TimeAxis(time.Length, time.Step * secondsPerUnit, origin), H5.DtypeName(data.Type),
            H5.OptionalText(data, "units") ?? "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info)
    {
        var data = file.Dataset(DataPath);
        return (data, TimeAxisOf(data.Space.Dimensions, info.Samples, info.Channels));
    }

    private readonly record struct Axis(long Length, double Start, double Step);

    /// <summary>Start and step of a coordinate given by tie points, checked to be one straight line.</summary>
    private static Axis TiePoints(NativeFile file, string name)
    {
        double[] indices = H5.Numbers(file.Dataset(name + "_indices"));
        double[] values = H5.Numbers(file.Dataset(name + "_values"));
        if (indices.Length != values.Length || indices.Length == 0)
            throw new InvalidDataException($"{name}: {indices.Length} tie indices for {values.Length} tie values");
        if (indices[0] != 0) throw new InvalidDataException($"{name}: the first tie point is at index {indices[0]}, not 0");
        long length = (long)indices[^1] + 1;
        double step = indices.Length > 1 ? (values[^1] - values[0]) / (indices[^1] - indices[0]) : 0;
        for (int i = 1; i < indices.Length - 1; i++)
        {
            double expected = values[0] + step * indices[i];
            if (Math.Abs(values[i] - expected) > 1e-9 * Math.Max(1, Math.Abs(expected)))
                throw new InvalidDataException($"{name}: tie point {i} is off the line (a gap or rate change); only linear coordinates are supported");
        }
        return new Axis(length, values[0], step);
    }

    private static int TimeAxisOf(ulong[] dims, long samples, long channels) =>
        dims.Length != 2 ? throw new InvalidDataException($"/{DataPath} has {dims.Length} dimensions, expected 2")
        : (long)dims[0] == samples && (long)dims[1] == channels ? 0
        : (long)dims[1] == samples && (long)dims[0] == channels ? 1
        : throw new InvalidDataException($"/{DataPath} [{dims[0]}, {dims[1]}] does not match {samples} times x {channels} distances");

    /// <summary>CF "UNIT since DATE" (e.g. "milliseconds since 2023-01-01T00:00:00"): seconds per unit and the epoch.</summary>
    private static (double SecondsPerUnit, DateTimeOffset Epoch) ParseCfTimeUnits(string units)
    {
        int since = units.IndexOf(" since ", StringComparison.OrdinalIgnoreCase);
        if (since < 0) throw new InvalidDataException($"time units '{units}' are not 'UNIT since DATE'");
        double seconds = units[..since].Trim().ToLowerInvariant() switch
        {
            "nanoseconds" or "ns" => 1e-9,
            "microseconds" or "us" => 1e-6,
            "milliseconds" or "ms" => 1e-3,
            "seconds" or "s" => 1,
            "minutes" => 60,
            "hours" => 3600,
            "days" => 86400,
            string other => throw new InvalidDataException($"time unit '{other}' is not supported"),
        };
        string date = units[(since + 7)..].Trim();
        return DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var epoch)
            ? (seconds, epoch) : throw new InvalidDataException($"time units epoch '{date}' is not a date");
    }
}
