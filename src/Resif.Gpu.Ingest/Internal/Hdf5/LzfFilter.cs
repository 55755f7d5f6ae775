using PureHDF.Filters;

namespace Resif.Gpu.Ingest.Internal.Hdf5;

/// <summary>
/// HDF5 filter 32000 (LZF, h5py's fast compressor), which PureHDF does not ship: decompression only.
/// </summary>
internal sealed class LzfFilter : IH5Filter
{
    public const ushort Id = 32000;

    public ushort FilterId => Id;

    public string Name => "lzf";

    public Memory<byte> Filter(FilterInfo info)
    {
        if (!info.Flags.HasFlag(H5FilterFlags.Decompress)) throw new NotSupportedException("LZF compression is not supported: the ingest readers only decompress");
        var output = new byte[info.ChunkSize];
        int written = Decompress(info.Buffer.Span, output);
        if (written != output.Length) throw new InvalidDataException($"LZF chunk decompressed to {written} bytes, expected {output.Length}");
        return output;
    }

    public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];

    /// <summary>
    /// LZF stream: a control byte below 32 starts a literal run of ctrl + 1 bytes; otherwise its top 3 bits are a
    /// length - 2 (7 means an extra length byte follows) and its low 5 bits with the next byte an offset - 1 back
    /// into the output, copied byte by byte (the source may overlap the destination).
    /// </summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int control = input[ip++];
            if (control < 32)
            {
                int run = control + 1;
                if (ip + run > input.Length || op + run > output.Length) throw new InvalidDataException("LZF literal run runs past the chunk");
                input.Slice(ip, run).CopyTo(output[op..]);
                ip += run;
                op += run;
                continue;
            }
            int length = control >> 5;
            if (length == 7)
            {
                if (ip >= input.Length) throw new InvalidDataException("LZF stream ends inside a length");
                length += input[ip++];
            }
            if (ip >= input.Length) throw new InvalidDataException("LZF stream ends inside an offset");
            int reference = op - ((control & 0x1f) << 8) - 1 - input[ip++];
            length += 2;
            if (reference < 0 || op + length > output.Length) throw new InvalidDataException("LZF back-reference outside the chunk");
            for (int i = 0; i < length; i++) output[op++] = output[reference++];
        }
        return op;
    }
}
