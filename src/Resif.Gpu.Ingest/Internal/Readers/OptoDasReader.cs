using PureHDF;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// ASN OptoDAS (file version 8): <c>/data</c> with axes named in <c>header/dimensionNames</c>, start
/// <c>header/time</c> (POSIX s), step <c>header/dt</c>; channel i lies at <c>header/channels[i] * header/dx</c>.
/// The samples are returned as stored; <c>header/dataScale</c> is kept in metadata as "data_scale".
/// </summary>
internal sealed class OptoDasReader : Hdf5FormatReader
{
    public override string Format => "OPTODAS";

    protected override bool Matches(NativeFile file) =>
        H5.IsDataset(file, "fileVersion") && H5.IsDataset(file, "data") && H5.IsDataset(file, "header/dimensionNames");

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var header = file.Group("header");
        var data = file.Dataset("data");
        int timeAxis = TimeAxisOf(file);
        ulong[] dims = data.Space.Dimensions;
        long samples = (long)dims[timeAxis], channels = (long)dims[1 - timeAxis];

        double dx = H5.Scalar(header, "dx");
        double[] channelNumbers = H5.Numbers(header.Dataset("channels"));
        if (channelNumbers.Length != channels)
            throw new InvalidDataException($"header/channels has {channelNumbers.Length} entries for {channels} channels");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["file_version"] = H5.Scalar(file, "fileVersion").ToString("R"),
            ["gauge_length"] = H5.Scalar(header, "gaugeLength").ToString("R"),
            ["data_scale"] = H5.Scalar(header, "dataScale").ToString("R"),
            ["channel_first"] = channelNumbers.Length > 0 ? channelNumbers[0].ToString("R") : "",
            ["dx"] = dx.ToString("R"),
        };
        foreach (string name in new[] { "instrument", "experiment", "name", "computer" })
        {
            if (H5.OptionalDatasetText(header, name) is { } text) metadata[name] = text;
        }
        if (metadata.TryGetValue("instrument", out string? instrument)) metadata["interrogator"] = "ASN OptoDAS " + instrument;

        return Info(path, ChannelDistances(channelNumbers, dx),
            TimeAxis(samples, H5.Scalar(header, "dt"), DasTime.FromUnixSeconds(H5.Scalar(header, "time"))),
            H5.DtypeName(data.Type), H5.OptionalDatasetText(header, "unit") ?? "", metadata);
    }

    protected override (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info) => (file.Dataset("data"), TimeAxisOf(file));

    /// <summary>Regular when the channel numbers are evenly spaced (the usual case), explicit otherwise.</summary>
    private static Resif.Gpu.Core.Coordinate ChannelDistances(double[] channelNumbers, double dx)
    {
        int n = channelNumbers.Length;
        double stride = n > 1 ? channelNumbers[1] - channelNumbers[0] : 1;
        bool regular = Enumerable.Range(1, Math.Max(0, n - 1)).All(i => channelNumbers[i] - channelNumbers[i - 1] == stride);
        double start = n > 0 ? channelNumbers[0] * dx : 0;
        return regular
            ? DistanceAxis(n, start, stride * dx)
            : new Resif.Gpu.Core.Coordinate("distance", "m", n, start, 0) { Values = channelNumbers.Select(c => c * dx).ToArray() };
    }

    private static int TimeAxisOf(NativeFile file)
    {
        string[] names = H5.Texts(file.Dataset("header/dimensionNames"));
        int index = Array.FindIndex(names, n => n.Trim().Equals("time", StringComparison.OrdinalIgnoreCase));
        return index is 0 or 1 ? index : throw new InvalidDataException($"header/dimensionNames [{string.Join(", ", names)}] name no time axis");
    }
}
