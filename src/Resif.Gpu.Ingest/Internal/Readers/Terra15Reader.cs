using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Terra15 Treble (file versions 4 to 6): <c>/data_product/data</c> (time, distance) with per-sample
/// <c>posix_time</c> and <c>gps_time</c>. The start is the computer (POSIX) clock of the first sample, which is
/// what the instrument keeps when GPS is unlocked; both clocks are kept in metadata. Distance starts at
/// <c>sensing_range_start</c> with step <c>dx</c>.
/// </summary>
internal sealed class Terra15Reader : Hdf5FormatReader
{
    private const string DataPath = "data_product/data";

    public override string Format => "TERRA15";

    protected override bool Matches(NativeFile file) =>
        file.AttributeExists("file_version") && H5.IsDataset(file, DataPath) && H5.IsDataset(file, "data_product/posix_time");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset(DataPath);
        ulong[] dims = data.Space.Dimensions;
        if (dims.Length != 2) throw new InvalidDataException($"/{DataPath} has {dims.Length} dimensions, expected 2 (time, distance)");
        long samples = (long)dims[0], channels = (long)dims[1];

        double dt = H5.OptionalNumber(data, "dT") ?? H5.Number(file, "dt_computer");
        double dx = H5.OptionalNumber(data, "dx") ?? H5.Number(file, "dx");
        var firstSample = new HyperslabSelection(0, 1);
        double posixStart = H5.Numbers(file.Dataset("data_product/posix_time"), firstSample)[0];

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(file, "", metadata);
        metadata["posix_time_first"] = posixStart.ToString("R");
        if (H5.IsDataset(file, "data_product/gps_time"))
            metadata["gps_time_first"] = H5.Numbers(file.Dataset("data_product/gps_time"), firstSample)[0].ToString("R");
        if (metadata.TryGetValue("serial_number", out string? serial)) metadata["interrogator"] = "Terra15 " + serial;

        return Info(path, DistanceAxis(channels, H5.OptionalNumber(file, "sensing_range_start") ?? 0.0, dx),
            TimeAxis(samples, dt, DasTime.FromUnixSeconds(posixStart)), H5.DtypeName(data.Type),
            H5.OptionalText(file, "data_product_units") ?? "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info) => (file.Dataset(DataPath), 0);
}
