using System.Buffers.Binary;
using System.Text;

namespace Resif.Gpu.Ingest.Internal.MiniSeed;

/// <summary>One continuous trace: its SEED identifier, start, rate and samples (integers kept as double exactly).</summary>
internal sealed record MiniSeedTrace(string Id, DateTimeOffset Start, double SampleRate, double[] Samples, string Encoding);

/// <summary>
/// miniSEED 2 records (48-byte fixed header, blockette 1000 for encoding, byte order and record length; blockette
/// 1001 for extra microseconds). Records of one NET.STA.LOC.CHA are joined into one trace; a gap or overlap between
/// records (more than half a sample) is refused. Encodings: int16, int32, float32, float64, Steim-1, Steim-2.
/// </summary>
internal static class MiniSeedFile
{
    private const int FixedHeader = 48;

    /// <summary>Sequence number (digits or spaces) and a data quality letter: the start of a miniSEED 2 record.</summary>
    public static bool LooksLikeRecord(ReadOnlySpan<byte> head)
    {
        if (head.Length < FixedHeader + 8) return false;
        for (int i = 0; i < 6; i++) if (head[i] is not ((>= (byte)'0' and <= (byte)'9') or (byte)' ' or 0)) return false;
        if (head[6] is not ((byte)'D' or (byte)'R' or (byte)'Q' or (byte)'M')) return false;
        return FindBlockette1000(head, BigEndian(head), out _);
    }

    public static List<MiniSeedTrace> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var pieces = new List<(string Id, DateTimeOffset Start, double Rate, int[]? Ints, double[]? Reals, string Encoding)>();
        int at = 0;
        while (at < bytes.Length)
        {
            var record = bytes.AsSpan(at);
            if (record.Length < FixedHeader) throw new InvalidDataException($"record at byte {at} is cut inside its 48-byte header");
            bool big = BigEndian(record);
            if (!FindBlockette1000(record, big, out int b1000)) throw new InvalidDataException($"record at byte {at} has no blockette 1000");
            int length = 1 << record[b1000 + 6];
            if (length < 128 || record.Length < length) throw new InvalidDataException($"record at byte {at} declares {length} bytes, {record.Length} remain (truncated?)");
            pieces.Add(Parse(record[..length], big, b1000, at));
            at += length;
        }
        if (pieces.Count == 0) throw new InvalidDataException("no record");

        var traces = new List<MiniSeedTrace>();
        foreach (var group in pieces.GroupBy(p => p.Id))
        {
            var ordered = group.OrderBy(p => p.Start).ToList();
            double rate = ordered[0].Rate;
            var samples = new List<double>();
            foreach (var piece in ordered)
            {
                if (piece.Rate != rate) throw new InvalidDataException($"{group.Key}: sample rate changes from {rate} to {piece.Rate} Hz");
                double expected = (ordered[0].Start.AddTicks((long)Math.Round(samples.Count / rate * TimeSpan.TicksPerSecond)) - piece.Start).TotalSeconds;
                if (Math.Abs(expected) > 0.5 / rate) throw new InvalidDataException($"{group.Key}: gap or overlap of {-expected:G6} s at {piece.Start:O}; only continuous traces are supported");
                if (piece.Ints is { } ints) samples.AddRange(ints.Select(v => (double)v));
                else samples.AddRange(piece.Reals!);
            }
            traces.Add(new MiniSeedTrace(group.Key, ordered[0].Start, rate, samples.ToArray(), ordered[0].Encoding));
        }
        return traces;
    }

    private static (string Id, DateTimeOffset Start, double Rate, int[]? Ints, double[]? Reals, string Encoding) Parse(ReadOnlySpan<byte> r, bool big, int b1000, int offset)
    {
        string id = $"{Code(r, 18, 2)}.{Code(r, 8, 5)}.{Code(r, 13, 2)}.{Code(r, 15, 3)}";
        int year = U16(r, 20, big), day = U16(r, 22, big);
        if (year is < 1900 or > 2200 || day is < 1 or > 366) throw new InvalidDataException($"record at byte {offset}: start year {year} day {day} is not a date");
        var start = new DateTimeOffset(year, 1, 1, r[24], r[25], Math.Min((int)r[26], 59), TimeSpan.Zero).AddDays(day - 1)
            .AddTicks(U16(r, 28, big) * 1000L + (r[26] == 60 ? TimeSpan.TicksPerSecond : 0));
        int samples = U16(r, 30, big);
        double rate = SampleRate((short)U16(r, 32, big), (short)U16(r, 34, big));
        // Time correction (0.0001 s) applies unless activity flag bit 1 says it already was.
        int correction = big ? BinaryPrimitives.ReadInt32BigEndian(r[40..]) : BinaryPrimitives.ReadInt32LittleEndian(r[40..]);
        if ((r[36] & 0x02) == 0) start = start.AddTicks(correction * 1000L);
        if (FindBlockette(r, big, 1001) is int b1001) start = start.AddTicks((sbyte)r[b1001 + 5] * 10L);
        int dataStart = U16(r, 44, big);
        int encoding = r[b1000 + 4];
        if (dataStart < FixedHeader || dataStart > r.Length) throw new InvalidDataException($"record at byte {offset}: data offset {dataStart} outside the record");
        var data = r[dataStart..];
        string where = $"record at byte {offset} ({id})";
        return encoding switch
        {
            1 => (id, start, rate, Fixed(data, samples, 2, big, where), null, "int16"),
            3 => (id, start, rate, Fixed(data, samples, 4, big, where), null, "int32"),
            4 => (id, start, rate, null, Floats(data, samples, 4, big, where), "float32"),
            5 => (id, start, rate, null, Floats(data, samples, 8, big, where), "float64"),
            10 => (id, start, rate, Steim.Decode(data, samples, 1, big), null, "steim1"),
            11 => (id, start, rate, Steim.Decode(data, samples, 2, big), null, "steim2"),
            _ => throw new InvalidDataException($"{where}: encoding {encoding} is not supported"),
        };
    }

    private static ushort U16(ReadOnlySpan<byte> r, int at, bool big) =>
        big ? BinaryPrimitives.ReadUInt16BigEndian(r[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(r[at..]);

    private static string Code(ReadOnlySpan<byte> r, int from, int length) => Encoding.ASCII.GetString(r.Slice(from, length)).Trim();

    private static int[] Fixed(ReadOnlySpan<byte> data, int samples, int size, bool big, string where)
    {
        if (data.Length < samples * size) throw new InvalidDataException($"{where}: {samples} samples need {samples * size} bytes, {data.Length} present");
        var result = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            var at = data.Slice(i * size, size);
            result[i] = size == 2 ? (big ? BinaryPrimitives.ReadInt16BigEndian(at) : BinaryPrimitives.ReadInt16LittleEndian(at))
                : (big ? BinaryPrimitives.ReadInt32BigEndian(at) : BinaryPrimitives.ReadInt32LittleEndian(at));
        }
        return result;
    }

    private static double[] Floats(ReadOnlySpan<byte> data, int samples, int size, bool big, string where)
    {
        if (data.Length < samples * size) throw new InvalidDataException($"{where}: {samples} samples need {samples * size} bytes, {data.Length} present");
        var result = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            var at = data.Slice(i * size, size);
            result[i] = size == 4 ? (big ? BinaryPrimitives.ReadSingleBigEndian(at) : BinaryPrimitives.ReadSingleLittleEndian(at))
                : (big ? BinaryPrimitives.ReadDoubleBigEndian(at) : BinaryPrimitives.ReadDoubleLittleEndian(at));
        }
        return result;
    }

    /// <summary>SEED sample rate factor and multiplier: positive means multiply, negative means divide.</summary>
    private static double SampleRate(short factor, short multiplier)
    {
        if (factor == 0 || multiplier == 0) throw new InvalidDataException("sample rate factor or multiplier is 0");
        double rate = factor > 0 ? factor : -1.0 / factor;
        return multiplier > 0 ? rate * multiplier : rate / -multiplier;
    }

    /// <summary>Headers are big-endian unless the year only makes sense byte-swapped.</summary>
    private static bool BigEndian(ReadOnlySpan<byte> r)
    {
        int year = BinaryPrimitives.ReadUInt16BigEndian(r[20..]);
        return year is >= 1900 and <= 2200;
    }

    private static bool FindBlockette1000(ReadOnlySpan<byte> r, bool big, out int offset)
    {
        offset = FindBlockette(r, big, 1000) ?? -1;
        return offset >= 0 && offset + 8 <= r.Length;
    }

    /// <summary>Walks the blockette chain (each names the next; bounded so a corrupt chain cannot loop).</summary>
    private static int? FindBlockette(ReadOnlySpan<byte> r, bool big, int type)
    {
        int next = big ? BinaryPrimitives.ReadUInt16BigEndian(r[46..]) : BinaryPrimitives.ReadUInt16LittleEndian(r[46..]);
        for (int hops = 0; next >= FixedHeader && next + 4 <= r.Length && hops < 16; hops++)
        {
            int here = next;
            int kind = big ? BinaryPrimitives.ReadUInt16BigEndian(r[here..]) : BinaryPrimitives.ReadUInt16LittleEndian(r[here..]);
            if (kind == type) return here;
            next = big ? BinaryPrimitives.ReadUInt16BigEndian(r[(here + 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(r[(here + 2)..]);
            if (next <= here) break;
        }
        return null;
    }
}
