using Resif.Gpu.Core;
using Resif.Gpu.Ingest.Internal;
using Resif.Gpu.Ingest.Internal.Readers;

namespace Resif.Gpu.Ingest;

/// <summary>The known vendor formats: detection from a file's content, or lookup by name (<c>--format</c>).</summary>
public static class DasFormats
{
    /// <summary>How many leading bytes of a file <see cref="IDasFormatReader.CanRead"/> is given.</summary>
    public const int HeadLength = 4096;

    /// <summary>
    /// Every reader, most specific first: several formats are HDF5 files, and detection must try the ones with
    /// distinctive structure before the minimal layouts (h5_simple).
    /// </summary>
    public static IReadOnlyList<IDasFormatReader> All { get; } =
    [
        new ProdmlReader(),
        new SilixaHdf5Reader(),
        new Terra15Reader(),
        new OptoDasReader(),
        new ApSensingReader(),
        new GdrReader(),
        new DasdaeReader(),
        new XdasNetcdfReader(),
        new FebusReader(),
        new H5SimpleReader(),
        new TdmsReader(),
        new SegyReader(),
        new MiniSeedReader(),
    ];

    /// <summary>The reader named <paramref name="format"/> (case-insensitive).</summary>
    public static IDasFormatReader Get(string format) =>
        All.FirstOrDefault(r => string.Equals(r.Format, format, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidRequestException("format", $"unknown format '{format}'; known: {string.Join(", ", All.Select(r => r.Format))}");

    /// <summary>The reader that recognises the file's content; <see cref="InvalidDataException"/> when none does.</summary>
    public static IDasFormatReader Detect(string path)
    {
        byte[] head = FileHead.Read(path, HeadLength);
        var reader = All.FirstOrDefault(r => r.CanRead(path, head));
        if (reader is not null) return reader;
        // A truncated HDF5 file is recognised by no reader: say it is truncated rather than of an unknown kind.
        if (Internal.Hdf5.H5.HasSignature(head)) Internal.Hdf5.H5.EnsureComplete(path, head);
        return reader
            ?? throw new InvalidDataException($"{path}: no reader recognises this file (known formats: {string.Join(", ", All.Select(r => r.Format))})");
    }

    /// <summary>Detects the format and reads the whole file.</summary>
    public static DasRecording Read(string path) => Detect(path).Read(path);
}
