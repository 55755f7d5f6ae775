using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// Febus A1: <c>/&lt;device&gt;/Source1/Zone1/&lt;name&gt;</c> is a cube (block, time, distance) with one time stamp
/// per block in <c>/&lt;device&gt;/Source1/time</c>. Blocks may overlap: the block stride is the median spacing
/// of the stamps in samples (1 / SamplingRate each); each block keeps its middle <c>stride</c> samples, trimming half
/// the overlap at each end, and the blocks are laid end to end from the first stamp. Time-stamp jitter smaller than
/// half a sample does not move samples. Channel i lies at <c>Origin[0] + (Extent[0] + i) * Spacing[0]</c>.
/// </summary>
internal sealed class FebusReader : Hdf5FormatReader
{
    public override string Format => "FEBUS";

    protected override bool Matches(NativeFile file) => FindLayout(file) is not null;

    protected override DasFileInfo Describe(NativeFile file, string path)
    {
        var layout = FindLayout(file) ?? throw new InvalidDataException("no Source1/Zone1 cube");
        ulong[] dims = layout.Data.Space.Dimensions;
        long blocks = (long)dims[0], perBlock = (long)dims[1], channels = (long)dims[2];
        double rate = H5.Number(layout.Zone, "SamplingRate");
        double dt = 1.0 / rate;
        double[] stamps = H5.Numbers(layout.Times);
        if (stamps.Length != blocks) throw new InvalidDataException($"{stamps.Length} block time stamps for {blocks} blocks");

        var (stride, trim) = Overlap(stamps, perBlock, dt);
        double[] spacing = H5.Numbers(layout.Zone.Attribute("Spacing"));
        double[] origin = layout.Zone.AttributeExists("Origin") ? H5.Numbers(layout.Zone.Attribute("Origin")) : [0];
        double[] extent = layout.Zone.AttributeExists("Extent") ? H5.Numbers(layout.Zone.Attribute("Extent")) : [0];

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        H5.CollectAttributes(layout.Zone, "", metadata);
        metadata["block_stride_samples"] = stride.ToString();
        metadata["block_trim_samples"] = trim.ToString();
        metadata["blocks"] = blocks.ToString();
        if (metadata.TryGetValue("GaugeLength", out string? gauge)) metadata["gauge_length"] = gauge;
        if (metadata.TryGetValue("Hostname", out string? host)) metadata["interrogator"] = "Febus " + host;

        return Info(path, DistanceAxis(channels, origin[0] + extent[0] * spacing[0], spacing[0]),
            TimeAxis(blocks * stride, dt, DasTime.FromUnixSeconds(stamps[0] + trim * dt)), H5.DtypeName(layout.Data.Type), "", metadata);
    }

    protected override float[] ReadSamples(NativeFile file, DasFileInfo info, long start, long count)
    {
        var layout = FindLayout(file) ?? throw new InvalidDataException("no Source1/Zone1 cube");
        ulong[] dims = layout.Data.Space.Dimensions;
        long perBlock = (long)dims[1], channels = (long)dims[2];
        var (stride, trim) = Overlap(H5.Numbers(layout.Times), perBlock, info.TimeStep);
        var result = new float[channels * count];
        long done = 0;
        while (done < count)
        {
            long sample = start + done;
            long block = sample / stride, within = sample % stride;
            long take = Math.Min(stride - within, count - done);
            float[] piece = H5.ReadFloats(layout.Data, new HyperslabSelection(3,
                [(ulong)block, (ulong)(trim + within), 0], [1, (ulong)take, (ulong)channels]));
            SampleConversion.TransposeInto(piece, take, channels, result, count, done);
            done += take;
        }
        return result;
    }

    /// <summary>Samples kept per block and trimmed at its start, from the median block spacing.</summary>
    private static (long Stride, long Trim) Overlap(double[] stamps, long perBlock, double dt)
    {
        if (stamps.Length < 2) return (perBlock, 0);
        double[] gaps = stamps.Zip(stamps.Skip(1), (a, b) => b - a).Order().ToArray();
        long stride = (long)Math.Round(gaps[gaps.Length / 2] / dt);
        if (stride <= 0) throw new InvalidDataException("block time stamps do not increase");
        if (stride >= perBlock) return (perBlock, 0);
        return (stride, (perBlock - stride) / 2);
    }

    private sealed record Layout(IH5Group Zone, IH5Dataset Data, IH5Dataset Times);

    private static Layout? FindLayout(NativeFile file)
    {
        foreach (var device in file.Children().OfType<IH5Group>())
        {
            if (!H5.Exists(device, "Source1/Zone1") || !H5.IsDataset(device, "Source1/time")) continue;
            var zone = device.Group("Source1/Zone1");
            if (!zone.AttributeExists("Spacing") || !zone.AttributeExists("SamplingRate")) continue;
            var cube = zone.Children().OfType<IH5Dataset>().FirstOrDefault(d => d.Space.Rank == 3);
            if (cube is not null) return new Layout(zone, cube, device.Dataset("Source1/time"));
        }
        return null;
    }
}
