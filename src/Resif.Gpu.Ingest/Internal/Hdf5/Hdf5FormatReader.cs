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

    protected sealed override void ReadSamplesInto(string path, DasFileInfo info, long start, long count, float[] destination, long stride, long offset)
    {
        using var file = H5.Open(path);
        ReadSamplesInto(file, info, start, count, destination, stride, offset);
    }

    /// <summary>True when the file has this format's distinctive groups, datasets or attributes.</summary>
    protected abstract bool Matches(NativeFile file);

    protected abstract DasFileInfo Describe(NativeFile file, string path);

    protected abstract float[] ReadSamples(NativeFile file, DasFileInfo info, long start, long count);

    /// <summary>Into rows of a larger block (see <see cref="IDasFormatReader.ReadTimeBlockInto"/>); by default through a copy.</summary>
    protected virtual void ReadSamplesInto(NativeFile file, DasFileInfo info, long start, long count, float[] destination, long stride, long offset) =>
        SampleConversion.CopyRows<float>(ReadSamples(file, info, start, count), info.Channels, count, destination, stride, offset);
}
