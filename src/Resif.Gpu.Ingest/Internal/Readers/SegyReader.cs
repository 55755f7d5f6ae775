using System.Buffers.Binary;
using System.Globalization;

namespace Resif.Gpu.Ingest.Internal.Readers;

/// <summary>
/// SEG-Y (rev 0 to 2.1), one trace per channel: 3200-byte textual header (EBCDIC or ASCII), 400-byte binary header
/// (big-endian; little-endian when the rev 2 byte-order constant says so), optional extended textual headers, then
/// traces of a 240-byte header and a fixed number of samples. Sample formats: IBM float, IEEE float32/64, int8/16/32.
/// The start is the first trace header's year / day-of-year / hh:mm:ss; the files carry no fibre distance, so the
/// channel index is used (start 0, step 1).
/// </summary>
internal sealed class SegyReader : FormatReader
{
    private const int TextualHeader = 3200, BinaryHeader = 400, TraceHeader = 240;

    public override string Format => "SEGY";

    public override bool CanRead(string path, ReadOnlySpan<byte> head)
    {
        // 'C' of the first card, in EBCDIC (0xC3) or ASCII, then a binary header whose sizes tile the file exactly.
        if (head.Length < TextualHeader + BinaryHeader || (head[0] != 0xC3 && head[0] != (byte)'C')) return false;
        var layout = Layout.FromBinaryHeader(head.Slice(TextualHeader, BinaryHeader));
        return layout is { } l && l.Traces(new FileInfo(path).Length) is > 0;
    }

    protected override DasFileInfo ScanFile(string path)
    {
        using var stream = File.OpenRead(path);
        var headers = new byte[TextualHeader + BinaryHeader];
        if (stream.Length < headers.Length) throw new InvalidDataException($"file of {stream.Length} bytes is shorter than the SEG-Y headers ({headers.Length})");
        stream.ReadExactly(headers);
        var layout = Layout.FromBinaryHeader(headers.AsSpan(TextualHeader)) ?? throw new InvalidDataException("binary header has no valid sample interval, count or format");
        long traces = layout.Traces(stream.Length)
            ?? throw new InvalidDataException($"file size {stream.Length} is not the headers plus whole traces of {layout.TraceBytes} bytes (truncated?)");
        if (traces == 0) throw new InvalidDataException("no trace");

        var firstTrace = new byte[TraceHeader];
        stream.Position = layout.DataStart;
        stream.ReadExactly(firstTrace);
        short Field(int offset) => layout.LittleEndian ? BinaryPrimitives.ReadInt16LittleEndian(firstTrace.AsSpan(offset)) : BinaryPrimitives.ReadInt16BigEndian(firstTrace.AsSpan(offset));
        int year = Field(156), day = Field(158), hour = Field(160), minute = Field(162), second = Field(164);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["segy_revision"] = $"{headers[TextualHeader + 300]}.{headers[TextualHeader + 301]}",
            ["sample_format_code"] = layout.FormatCode.ToString(CultureInfo.InvariantCulture),
            ["distance_is_channel_index"] = "true",
        };
        DateTimeOffset origin;
        if (year > 0 && day is >= 1 and <= 366)
        {
            origin = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day - 1).AddHours(hour).AddMinutes(minute).AddSeconds(second);
        }
        else
        {
            origin = DateTimeOffset.UnixEpoch;
            metadata["time_unknown"] = "true";
        }
        return Info(path, DistanceAxis(traces, 0, 1), TimeAxis(layout.Samples, layout.IntervalMicroseconds * 1e-6, origin),
            layout.DtypeName, "", metadata);
    }

    protected override float[] ReadSamples(string path, DasFileInfo info, long start, long count)
    {
        using var stream = File.OpenRead(path);
        var headers = new byte[TextualHeader + BinaryHeader];
        stream.ReadExactly(headers);
        var layout = Layout.FromBinaryHeader(headers.AsSpan(TextualHeader))!;
        int size = layout.SampleBytes;
        var result = new float[info.Channels * count];
        var bytes = new byte[checked((int)(count * size))];
        for (int trace = 0; trace < info.Channels; trace++)
        {
            stream.Position = layout.DataStart + trace * layout.TraceBytes + TraceHeader + start * size;
            stream.ReadExactly(bytes);
            for (long t = 0; t < count; t++) result[trace * count + t] = layout.Decode(bytes.AsSpan(checked((int)(t * size)), size));
        }
        return result;
    }

    private sealed record Layout(int IntervalMicroseconds, int Samples, int FormatCode, bool LittleEndian, long DataStart)
    {
        public int SampleBytes => FormatCode switch { 1 or 2 or 5 => 4, 3 => 2, 6 => 8, 8 => 1, _ => 0 };

        public long TraceBytes => TraceHeader + (long)Samples * SampleBytes;

        public string DtypeName => FormatCode switch { 1 => "ibm_float32", 2 => "int32", 3 => "int16", 5 => "float32", 6 => "float64", _ => "int8" };

        /// <summary>Number of traces when the data after the headers is a whole number of traces; null otherwise.</summary>
        public long? Traces(long fileLength) =>
            fileLength >= DataStart && (fileLength - DataStart) % TraceBytes == 0 ? (fileLength - DataStart) / TraceBytes : null;

        public static Layout? FromBinaryHeader(ReadOnlySpan<byte> h)
        {
            // Rev 2: 0x01020304 at bytes 3297-3300 read as written means the file's own order; zero means big-endian.
            bool little = BinaryPrimitives.ReadUInt32LittleEndian(h[96..]) == 0x01020304;
            int interval = U16(h, 16, little), samples = U16(h, 20, little), format = U16(h, 24, little), extendedHeaders = U16(h, 304, little);
            if (h[300] >= 2)
            {
                uint extendedSamples = little ? BinaryPrimitives.ReadUInt32LittleEndian(h[68..]) : BinaryPrimitives.ReadUInt32BigEndian(h[68..]);
                if (extendedSamples > 0 && extendedSamples <= int.MaxValue) samples = (int)extendedSamples;
            }
            var layout = new Layout(interval, samples, format, little, TextualHeader + BinaryHeader + 3200L * extendedHeaders);
            return interval > 0 && samples > 0 && layout.SampleBytes > 0 && extendedHeaders < 100 ? layout : null;
        }

        private static int U16(ReadOnlySpan<byte> h, int offset, bool little) =>
            little ? BinaryPrimitives.ReadUInt16LittleEndian(h[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(h[offset..]);

        public float Decode(ReadOnlySpan<byte> b) => FormatCode switch
        {
            1 => (float)Ibm(LittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b)),
            2 => LittleEndian ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt32BigEndian(b),
            3 => LittleEndian ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadInt16BigEndian(b),
            5 => LittleEndian ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadSingleBigEndian(b),
            6 => (float)(LittleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(b) : BinaryPrimitives.ReadDoubleBigEndian(b)),
            _ => (sbyte)b[0],
        };

        /// <summary>IBM System/360 single: sign, 7-bit base-16 exponent biased by 64, 24-bit fraction (0.f).</summary>
        internal static double Ibm(uint word)
        {
            uint fraction = word & 0x00FFFFFF;
            if (fraction == 0) return 0.0;
            int exponent = (int)((word >> 24) & 0x7F) - 64;
            double value = fraction / 16777216.0 * Math.Pow(16, exponent);
            return (word & 0x80000000) != 0 ? -value : value;
        }
    }
}
