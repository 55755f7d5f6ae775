using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Minimal HDF5 (DASCore's "h5_simple"): <c>/raw</c> 2-D and <c>/timestamp</c> POSIX seconds per sample. The
/// time axis is the one as long as <c>timestamp</c> (the first when both are); step = mean timestamp spacing.
/// The files give no distances: channel index is used as distance (start 0, step 1).
/// </summary>
internal sealed class H5SimpleReader : Hdf5FormatReader
{
    public override string Format => "H5_SIMPLE";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, "raw") && H5.IsDataset(file, "timestamp") && file.Dataset("raw").Space.Rank == 2;

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var data = file.Dataset("raw");
        double[] stamps = H5.Numbers(file.Dataset("timestamp"));
        int timeAxis = TimeAxisOf(data.Space.Dimensions, stamps.Length);
        long samples = stamps.Length, channels = (long)data.Space.Dimensions[1 - timeAxis];
        if (samples < 2) throw new InvalidDataException("fewer than 2 timestamps: no time step");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["distance_is_channel_index"] = "true" };
        return Info(path, DistanceAxis(channels, 0, 1), TimeAxis(samples, (stamps[^1] - stamps[0]) / (samples - 1), DasTime.FromUnixSeconds(stamps[0])),
            H5.DtypeName(data.Type), "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info)
    {
        var data = file.Dataset("raw");
        return (data, TimeAxisOf(data.Space.Dimensions, info.Samples));
    }

    private static int TimeAxisOf(ulong[] dims, long stamps) =>
        dims.Length == 2 && (long)dims[0] == stamps ? 0
        : dims.Length == 2 && (long)dims[1] == stamps ? 1
        : throw new InvalidDataException($"/raw [{string.Join(", ", dims)}] has no axis of the {stamps} timestamps");
}
