using PureHDF;
using PureHDF.VOL.Native;

namespace Resif.Gpu.Ingest.Internal.Hdf5;

/// <summary>A format stored in HDF5: detection opens the file and looks for the format's own structure.</summary>
internal abstract class Hdf5FormatReader : FormatReader
{
    public override bool CanRead(string path, ReadOnlySpan<byte> head)
    {
        if (!H5.HasSignature(head)) return false;
        try
        {
            using var file = H5.Open(path);
            return Matches(file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A probe: a file whose structure cannot even be walked is not recognised (Read explains why).
            return false;
        }
    }

    protected sealed override DasFileInfo ScanFile(string path)
    {
        using var file = H5.Open(path);
        if (!Matches(file)) throw new InvalidDataException($"not a {Format} file");
        return Describe(file, path);
    }

    protected sealed override float[] ReadSamples(string path, DasFileInfo info, long start, long count)
    {
        using var file = H5.Open(path);
        return ReadSamples(file, info, start, count);
    }

    /// <summary>
    /// Straight into the caller's block when the samples are one 2-D dataset (<see cref="SampleDataset"/>): stored
    /// values converted and transposed in place; otherwise through <see cref="ReadSamples(NativeFile, DasFileInfo, long, long)"/> and a copy.
    /// </summary>
    protected sealed override void ReadSamplesInto(string path, DasFileInfo info, long start, long count, float[] destination, long stride, long offset)
    {
        using var file = H5.Open(path);
        if (SampleDataset(file, info) is { } samples)
            H5.ReadChannelTimeInto(samples.Data, samples.TimeAxis, start, count, destination, stride, offset);
        else
            SampleConversion.CopyRows<float>(ReadSamples(file, info, start, count), info.Channels, count, destination, stride, offset);
    }

    /// <summary>True when the file has this format's distinctive groups, datasets or attributes.</summary>
    protected abstract bool Matches(NativeFile file);

    protected abstract DasFileInfo Describe(NativeFile file, string path);

    /// <summary>
    /// The 2-D dataset holding the samples and which of its axes is time, for formats whose samples are one such
    /// dataset; the others return null and override <see cref="ReadSamples(NativeFile, DasFileInfo, long, long)"/>.
    /// </summary>
    protected virtual (IH5Dataset Data, int TimeAxis)? SampleDataset(NativeFile file, DasFileInfo info) => null;

    /// <summary>Samples [start, start+count) as float32 [channel, time]; by default from <see cref="SampleDataset"/>.</summary>
    protected virtual float[] ReadSamples(NativeFile file, DasFileInfo info, long start, long count) =>
        SampleDataset(file, info) is { } samples ? H5.ReadChannelTime(samples.Data, samples.TimeAxis, start, count)
            : throw new NotSupportedException($"{GetType().Name} names no sample dataset and does not read samples itself");
}
