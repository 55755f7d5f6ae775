using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Geothermal Data Repository layout with DAS-RCN metadata: <c>/DasRawData/RawData</c> (axes named in its
/// DasDimensions attribute), <c>DasTimeArray</c> in ns, settings as text attributes under
/// <c>/DasMetadata/Interrogator/Acquisition</c>. Distances start at 0 (the files give no fibre origin) with step
/// SpatialSamplingInterval.
/// </summary>
internal sealed class GdrReader : Hdf5FormatReader
{
    private const string AcquisitionPath = "DasMetadata/Interrogator/Acquisition";

    public override string Format => "GDR";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, "DasRawData/RawData") && H5.IsDataset(file, "DasRawData/DasTimeArray") && H5.Exists(file, AcquisitionPath);

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset("DasRawData/RawData");
        int timeAxis = TimeAxisOf(data);
        ulong[] dims = data.Space.Dimensions;
        long samples = (long)dims[timeAxis], channels = (long)dims[1 - timeAxis];
        var acquisition = file.Group(AcquisitionPath);

        long firstNs = H5.FirstInt64(file.Dataset("DasRawData/DasTimeArray"));
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        CollectTree(file.Group("DasMetadata"), "", metadata);
        if (H5.OptionalNumber(acquisition, "GaugeLength") is { } gauge) metadata["gauge_length"] = gauge.ToString("R");
        if (metadata.TryGetValue("Interrogator.InterrogatorManufacturer", out string? maker)) metadata["interrogator"] = maker;

        string units = H5.OptionalText(acquisition, "UnitOfMeasure") is { } u && u != "NaN" ? u : "";
        return Info(path, DistanceAxis(channels, 0.0, H5.Number(acquisition, "SpatialSamplingInterval")),
            TimeAxis(samples, 1.0 / H5.Number(acquisition, "AcquisitionSampleRate"), DasTime.FromUnixNanoseconds(firstNs)),
            H5.DtypeName(data.Type), units, metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info)
    {
        var data = file.Dataset("DasRawData/RawData");
        return (data, TimeAxisOf(data));
    }

    private static void CollectTree(IH5Group group, string prefix, IDictionary<string, string> into)
    {
        H5.CollectAttributes(group, prefix, into);
        foreach (var child in group.Children().OfType<IH5Group>()) CollectTree(child, prefix + child.Name + ".", into);
    }

    /// <summary>DasDimensions names the axes ("time step", "locus"); without it, time comes first.</summary>
    private static int TimeAxisOf(IH5Dataset data)
    {
        if (H5.OptionalText(data, "DasDimensions") is not { } names) return 0;
        string[] parts = names.Split('|');
        int index = Array.FindIndex(parts, p => p.Trim().StartsWith("time", StringComparison.OrdinalIgnoreCase));
        return index is 0 or 1 ? index : throw new InvalidDataException($"DasDimensions '{names}' name no time axis");
    }
}
