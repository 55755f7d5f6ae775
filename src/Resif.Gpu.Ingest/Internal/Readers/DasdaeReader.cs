using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Core;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// DASDAE, DASCore's own HDF5 layout (root attribute <c>__format__ = DASDAE</c>): patches under
/// <c>/waveforms/&lt;name&gt;/</c> with <c>data</c>, <c>_coord_time</c> (datetime64 ns) and
/// <c>_coord_distance</c>, axis order in the <c>_dims</c> attribute, patch attributes as <c>_attrs_*</c>.
/// Only single-patch files are read (a file of several patches is refused, not silently cut).
/// </summary>
internal sealed class DasdaeReader : Hdf5FormatReader
{
    public override string Format => "DASDAE";

    protected override bool Matches(NativeFile file) =>
        H5.OptionalText(file, "__format__") == "DASDAE" && H5.Exists(file, "waveforms");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var patch = SinglePatch(file);
        var data = patch.Dataset("data");
        int timeAxis = TimeAxisOf(patch);
        ulong[] dims = data.Space.Dimensions;
        long samples = (long)dims[timeAxis], channels = (long)dims[1 - timeAxis];

        // datetime64 ns: kept as integers, since a double cannot hold today's epoch to the nanosecond.
        long[] timesNs = patch.Dataset("_coord_time").Read<long[]>();
        double[] distances = H5.Numbers(patch.Dataset("_coord_distance"));
        if (timesNs.Length != samples || distances.Length != channels)
            throw new InvalidDataException($"coordinates ({timesNs.Length} times, {distances.Length} distances) do not match data {samples} x {channels}");
        if (samples < 2) throw new InvalidDataException("fewer than 2 time samples: no time step");
        double stepNs = (double)(timesNs[^1] - timesNs[0]) / (samples - 1);
        EnsureRegular(timesNs, stepNs);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(file, "", metadata);
        H5.CollectAttributes(patch, "", metadata);
        metadata["patch"] = patch.Name;
        if (metadata.TryGetValue("_attrs_instrument_id", out string? instrument)) metadata["interrogator"] = instrument;

        return Info(path, DistanceCoordinate(distances), TimeAxis(samples, stepNs * 1e-9, DasTime.FromUnixNanoseconds(timesNs[0])),
            H5.DtypeName(data.Type), H5.OptionalText(patch, "_attrs_data_units") ?? "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info)
    {
        var patch = SinglePatch(file);
        return (patch.Dataset("data"), TimeAxisOf(patch));
    }

    private static IH5Group SinglePatch(NativeFile file)
    {
        var patches = file.Group("waveforms").Children().OfType<IH5Group>().ToList();
        return patches.Count == 1 ? patches[0]
            : throw new InvalidDataException($"holds {patches.Count} patches under /waveforms; only single-patch files are supported");
    }

    private static int TimeAxisOf(IH5Group patch)
    {
        string dims = H5.OptionalText(patch, "_dims") ?? "time,distance";
        int index = Array.IndexOf(dims.Split(',', StringSplitOptions.TrimEntries), "time");
        return index is 0 or 1 ? index : throw new InvalidDataException($"_dims '{dims}' names no time axis");
    }

    /// <summary>Regular (start, step) when evenly spaced to a part in 10^6 of the step, explicit values otherwise.</summary>
    private static Coordinate DistanceCoordinate(double[] d)
    {
        double step = d.Length > 1 ? (d[^1] - d[0]) / (d.Length - 1) : 1.0;
        bool regular = Enumerable.Range(0, d.Length).All(i => Math.Abs(d[i] - (d[0] + i * step)) <= 1e-6 * Math.Abs(step));
        return regular ? new Coordinate("distance", "m", d.Length, d.Length > 0 ? d[0] : 0, step)
            : new Coordinate("distance", "m", d.Length, d.Length > 0 ? d[0] : 0, 0) { Values = d };
    }

    /// <summary>The time axis is stored regular: refuse a coordinate that strays by more than 1 % of a step.</summary>
    private static void EnsureRegular(long[] t, double step)
    {
        for (int i = 0; i < t.Length; i++)
        {
            if (Math.Abs(t[i] - t[0] - i * step) > 0.01 * step)
                throw new InvalidDataException($"time coordinate is irregular at index {i}; only regular time axes are supported");
        }
    }
}
