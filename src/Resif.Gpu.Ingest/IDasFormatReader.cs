namespace Resif.Gpu.Ingest;

/// <summary>
/// Reads one vendor DAS file format. Every reader returns data as float32 [channel, time] in C order,
/// whatever the on-disk layout and sample type. Damaged or truncated files raise <see cref="InvalidDataException"/>
/// naming the file.
/// </summary>
public interface IDasFormatReader
{
    /// <summary>Short name, as given to <c>--format</c> (e.g. "PRODML", "TDMS").</summary>
    string Format { get; }

    /// <summary>
    /// True when the file is in this format. <paramref name="head"/> holds the file's first bytes (up to
    /// <see cref="DasFormats.HeadLength"/>); HDF5-based readers also look inside the file's structure.
    /// </summary>
    bool CanRead(string path, ReadOnlySpan<byte> head);

    /// <summary>Metadata only: shape, coordinates, units and vendor attributes, without reading the samples.</summary>
    DasFileInfo Scan(string path);

    /// <summary>The whole recording.</summary>
    DasRecording Read(string path);

    /// <summary>The samples [<paramref name="start"/>, start + <paramref name="count"/>) of every channel, so that memory stays bounded on large files.</summary>
    DasRecording ReadTimeBlock(string path, long start, long count);

    /// <summary>
    /// As <see cref="ReadTimeBlock"/> for a file this reader has already scanned (<paramref name="info"/>, from
    /// <see cref="Scan"/>: not parsed again), writing sample i of channel c to
    /// <c>destination[c * stride + offset + i]</c>: straight into a larger [channel, time] block, converted on the way
    /// where the format allows, so that an ingest copies each sample once.
    /// </summary>
    void ReadTimeBlockInto(DasFileInfo info, long start, long count, float[] destination, long stride, long offset);
}
