using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// AP Sensing (file version 10): <c>/DAS</c> (time, distance) and scalar settings in DAQ/, ProcessingServer/,
/// Metadata/. The output rate is <c>ProcessingServer/DataRate</c>; channel i lies at
/// <c>DAQ/PositionStart + i * ProcessingServer/SpatialSampling</c>; the start is <c>Metadata/Timestamp</c>.
/// Samples are the stored scaled phase; the phase-to-strain factor is kept as "radians_to_nanostrain".
/// </summary>
internal sealed class ApSensingReader : Hdf5FormatReader
{
    public override string Format => "AP_SENSING";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, "DAS") && H5.IsDataset(file, "DAQ/PositionStart") && H5.IsDataset(file, "ProcessingServer/DataRate");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset("DAS");
        ulong[] dims = data.Space.Dimensions;
        if (dims.Length != 2) throw new InvalidDataException($"/DAS has {dims.Length} dimensions, expected 2 (time, distance)");
        long samples = (long)dims[0], channels = (long)dims[1];

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(file, "", metadata);
        foreach (var (key, datasetPath) in new[]
        {
            ("gauge_length", "ProcessingServer/GaugeLength"), ("pulse_rate", "DAQ/PulseRate"),
            ("radians_to_nanostrain", "ProcessingServer/RadiansToNanoStrain"), ("position_end", "DAQ/PositionEnd"),
        })
        {
            if (H5.IsDataset(file, datasetPath)) metadata[key] = H5.Scalar(file, datasetPath).ToString("R");
        }
        if (H5.OptionalDatasetText(file, "ProcessingServer/DataType") is { } dataType) metadata["data_type"] = dataType;
        if (H5.OptionalDatasetText(file, "Interrogator/Model") is { } model) metadata["interrogator"] = "AP Sensing " + model;

        string timestamp = H5.OptionalDatasetText(file, "Metadata/Timestamp") ?? throw new InvalidDataException("Metadata/Timestamp missing");
        return Info(path, DistanceAxis(channels, H5.Scalar(file, "DAQ/PositionStart"), H5.Scalar(file, "ProcessingServer/SpatialSampling")),
            TimeAxis(samples, 1.0 / H5.Scalar(file, "ProcessingServer/DataRate"), DasTime.ParseIso(timestamp)),
            H5.DtypeName(data.Type), "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info) => (file.Dataset("DAS"), 0);
}
