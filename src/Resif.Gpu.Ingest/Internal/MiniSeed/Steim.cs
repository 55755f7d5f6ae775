using System.Buffers.Binary;

namespace Resif.Gpu.Ingest.Internal.MiniSeed;

/// <summary>
/// Steim-1 and Steim-2 decoding (SEED manual, appendix B): 64-byte frames of sixteen 32-bit words; word 0 holds
/// sixteen 2-bit codes telling how each word packs first differences; frame 0's words 1 and 2 are the first sample
/// and the last sample (the check that decoding is right).
/// </summary>
internal static class Steim
{
    private const int FrameBytes = 64;

    public static int[] Decode(ReadOnlySpan<byte> data, int samples, int level, bool bigEndian)
    {
        if (samples == 0) return [];
        if (data.Length < FrameBytes) throw new InvalidDataException($"Steim-{level} data of {data.Length} bytes holds no frame");
        var differences = new List<int>(samples + 8);
        int frames = data.Length / FrameBytes;
        for (int frame = 0; frame < frames && differences.Count < samples; frame++)
        {
            uint codes = Word(data, frame, 0, bigEndian);
            for (int w = 1; w < 16; w++)
            {
                int code = (int)(codes >> (30 - 2 * w)) & 3;
                uint word = Word(data, frame, w, bigEndian);
                if (frame == 0 && w <= 2) continue; // integration constants
                if (level == 1) Steim1(code, word, differences);
                else Steim2(code, word, differences);
            }
        }
        if (differences.Count < samples) throw new InvalidDataException($"Steim-{level} frames hold {differences.Count} differences for {samples} samples");

        var result = new int[samples];
        result[0] = (int)Word(data, 0, 1, bigEndian);
        // differences[0] relates the first sample to the previous record and is not needed.
        for (int i = 1; i < samples; i++) result[i] = unchecked(result[i - 1] + differences[i]);
        int last = (int)Word(data, 0, 2, bigEndian);
        if (result[^1] != last) throw new InvalidDataException($"Steim-{level} decoding ends at {result[^1]}, the record's last-sample check says {last}");
        return result;
    }

    private static uint Word(ReadOnlySpan<byte> data, int frame, int index, bool bigEndian)
    {
        var at = data.Slice(frame * FrameBytes + index * 4, 4);
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(at) : BinaryPrimitives.ReadUInt32LittleEndian(at);
    }

    private static void Steim1(int code, uint word, List<int> into)
    {
        switch (code)
        {
            case 1: Unpack(word, 8, 4, into); break;
            case 2: Unpack(word, 16, 2, into); break;
            case 3: into.Add((int)word); break;
        }
    }

    private static void Steim2(int code, uint word, List<int> into)
    {
        int dnib = (int)(word >> 30);
        switch (code)
        {
            case 1: Unpack(word, 8, 4, into); break;
            case 2 when dnib == 1: Unpack(word, 30, 1, into); break;
            case 2 when dnib == 2: Unpack(word, 15, 2, into); break;
            case 2 when dnib == 3: Unpack(word, 10, 3, into); break;
            case 3 when dnib == 0: Unpack(word, 6, 5, into); break;
            case 3 when dnib == 1: Unpack(word, 5, 6, into); break;
            case 3 when dnib == 2: Unpack(word, 4, 7, into); break;
            case 2 or 3: throw new InvalidDataException($"Steim-2 word with code {code} has invalid sub-code {dnib}");
        }
    }

    /// <summary>Appends <paramref name="count"/> signed <paramref name="bits"/>-bit values packed in the word's low bits, most significant first.</summary>
    private static void Unpack(uint word, int bits, int count, List<int> into)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            int shifted = (int)(word << (32 - bits * (i + 1)));
            into.Add(shifted >> (32 - bits));
        }
    }
}
