using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// PRODML 2.0/2.1 DAS (e.g. Silixa iDAS, OptaSense): <c>/Acquisition/Raw[0]/RawData</c> with its dimension names,
/// <c>RawDataTime</c> in µs; locus i lies at <c>(StartLocusIndex + i) * SpatialSamplingInterval</c>.
/// Only the first Raw group is read; their count is reported as "raw_groups".
/// </summary>
internal sealed class ProdmlReader : Hdf5FormatReader
{
    private const string RawGroup = "Acquisition/Raw[0]";

    public override string Format => "PRODML";

    protected override bool Matches(NativeFile file) => H5.IsDataset(file, RawGroup + "/RawData");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var acquisition = file.Group("Acquisition");
        var raw = file.Group(RawGroup);
        var data = raw.Dataset("RawData");
        int timeAxis = TimeAxisOf(data);
        ulong[] dims = data.Space.Dimensions;
        long samples = (long)dims[timeAxis], loci = (long)dims[1 - timeAxis];

        double rate = H5.OptionalNumber(raw, "OutputDataRate") ?? H5.Number(acquisition, "PulseRate");
        var origin = raw.LinkExists("RawDataTime") && samples > 0
            ? DasTime.FromUnixMicroseconds(H5.FirstInt64(raw.Dataset("RawDataTime")))
            : DasTime.ParseIso(H5.OptionalText(data, "PartStartTime") ?? H5.OptionalText(acquisition, "MeasurementStartTime")
                ?? throw new InvalidDataException("no RawDataTime, PartStartTime or MeasurementStartTime"));

        double step = H5.Number(acquisition, "SpatialSamplingInterval");
        double startLocus = H5.OptionalNumber(raw, "StartLocusIndex") ?? H5.Number(acquisition, "StartLocusIndex");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(acquisition, "Acquisition.", metadata);
        H5.CollectAttributes(raw, "Raw.", metadata);
        H5.CollectAttributes(data, "RawData.", metadata);
        metadata["raw_groups"] = acquisition.Children().Count(c => c.Name.StartsWith("Raw[", StringComparison.Ordinal)).ToString();
        if (acquisition.AttributeExists("GaugeLength")) metadata["gauge_length"] = H5.Number(acquisition, "GaugeLength").ToString("R");
        if (acquisition.AttributeExists("schemaVersion")) metadata["schema_version"] = H5.OptionalText(acquisition, "schemaVersion") ?? "";
        string? vendor = H5.OptionalText(acquisition, "ServiceCompanyName") ?? H5.OptionalText(acquisition, "VendorCode");
        if (vendor is not null) metadata["interrogator"] = vendor;

        return Info(path, DistanceAxis(loci, startLocus * step, step), TimeAxis(samples, 1.0 / rate, origin),
            H5.DtypeName(data.Type), H5.OptionalText(raw, "RawDataUnit") ?? "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info)
    {
        var data = file.Group(RawGroup).Dataset("RawData");
        return (data, TimeAxisOf(data));
    }

    /// <summary>PRODML names the axes ("time, locus" or "locus, time"); without names, time comes first.</summary>
    private static int TimeAxisOf(IH5Dataset data)
    {
        string? names = H5.OptionalText(data, "Dimensions");
        if (names is null) return 0;
        string[] parts = names.Split(['|', ',', ' '], StringSplitOptions.RemoveEmptyEntries);
        int index = Array.FindIndex(parts, p => p.Equals("time", StringComparison.OrdinalIgnoreCase));
        return index is 0 or 1 ? index : throw new InvalidDataException($"RawData dimensions '{names}' name no time axis");
    }
}
