using System.Buffers.Binary;
using System.Text;

namespace Resif.Gpu.Ingest.Internal.Tdms;

/// <summary>
/// Parser of the NI TDMS layout (versions 4712/4713): a chain of segments, each a 28-byte lead-in ("TDSm", table of
/// contents mask, version, next-segment and raw-data offsets), optional metadata (objects with raw-data indexes and
/// properties) and raw data, contiguous per channel or interleaved. Only what a DAS file needs is kept: root
/// properties and one group of equally typed channels with their sample blocks.
/// A segment whose declared length runs past the end of the file (an interrupted recording) keeps the complete
/// samples present; <see cref="Truncated"/> says so.
/// </summary>
internal sealed class TdmsFile
{
    public const int LeadInLength = 28;

    private const uint TocMetaData = 1 << 1, TocNewObjectList = 1 << 2, TocRawData = 1 << 3, TocInterleaved = 1 << 5, TocBigEndian = 1 << 6, TocDaqmx = 1 << 7;

    public static ReadOnlySpan<byte> Tag => "TDSm"u8;

    public Dictionary<string, object> RootProperties { get; } = new(StringComparer.Ordinal);

    /// <summary>Channel object paths in file order ("/'group'/'name'").</summary>
    public List<string> Channels { get; } = [];

    public TdmsType DataType { get; private set; }

    public int Version { get; private set; }

    public long Samples => _chunks.Sum(c => c.Samples);

    public bool Truncated { get; private set; }

    /// <summary>Samples the segments declare, present or not.</summary>
    public long DeclaredSamples { get; private set; }

    private readonly List<RawChunk> _chunks = [];

    /// <summary>A run of raw data: <see cref="Samples"/> values per channel starting at file offset <see cref="Offset"/>.</summary>
    private sealed record RawChunk(long Offset, long Samples, bool Interleaved, bool BigEndian);

    private sealed class ChannelIndex
    {
        public TdmsType Type;
        public long ValuesPerChunk;
    }

    public static TdmsFile Parse(string path)
    {
        using var stream = File.OpenRead(path);
        var file = new TdmsFile();
        file.ParseSegments(stream);
        return file;
    }

    private void ParseSegments(FileStream stream)
    {
        long length = stream.Length;
        var indexes = new Dictionary<string, ChannelIndex>(StringComparer.Ordinal);
        var active = new List<string>();
        var leadIn = new byte[LeadInLength];
        long at = 0;
        while (at < length)
        {
            if (length - at < LeadInLength) throw new InvalidDataException($"segment at byte {at} is cut inside its {LeadInLength}-byte lead-in");
            stream.Position = at;
            stream.ReadExactly(leadIn);
            if (!leadIn.AsSpan(0, 4).SequenceEqual(Tag)) throw new InvalidDataException($"no 'TDSm' tag at byte {at}");
            uint toc = BinaryPrimitives.ReadUInt32LittleEndian(leadIn.AsSpan(4));
            Version = (int)BinaryPrimitives.ReadUInt32LittleEndian(leadIn.AsSpan(8));
            ulong nextOffset = BinaryPrimitives.ReadUInt64LittleEndian(leadIn.AsSpan(12));
            ulong rawOffset = BinaryPrimitives.ReadUInt64LittleEndian(leadIn.AsSpan(20));
            if ((toc & TocDaqmx) != 0) throw new InvalidDataException("DAQmx raw data is not supported");
            bool bigEndian = (toc & TocBigEndian) != 0;
            long contentStart = at + LeadInLength;
            // 0xFFFF... marks a segment whose writer stopped before closing it: its data runs to the end of the file.
            long declaredEnd = nextOffset == ulong.MaxValue ? length : contentStart + (long)Math.Min(nextOffset, (ulong)long.MaxValue / 2);
            if (rawOffset > (ulong)(declaredEnd - contentStart)) throw new InvalidDataException($"segment at byte {at}: raw data offset {rawOffset} beyond the segment");
            long rawStart = contentStart + (long)rawOffset;
            if (rawStart > length) throw new InvalidDataException($"segment at byte {at} is cut inside its metadata ({length - contentStart} of {rawOffset} bytes)");

            if ((toc & TocMetaData) != 0)
            {
                var meta = new byte[checked((int)rawOffset)];
                stream.Position = contentStart;
                stream.ReadExactly(meta);
                if ((toc & TocNewObjectList) != 0) active.Clear();
                ReadMetadata(new TdmsReaderSpan(meta, bigEndian), indexes, active);
            }

            if ((toc & TocRawData) != 0 && active.Count > 0)
            {
                AddRawData(indexes, active, rawStart, declaredEnd, Math.Min(declaredEnd, length), (toc & TocInterleaved) != 0, bigEndian);
            }
            if (declaredEnd >= length) break;
            at = declaredEnd;
        }
        if (Channels.Count == 0) throw new InvalidDataException("no channel carries raw data");
    }

    private void ReadMetadata(TdmsReaderSpan meta, Dictionary<string, ChannelIndex> indexes, List<string> active)
    {
        uint objects = meta.UInt32();
        for (uint o = 0; o < objects; o++)
        {
            string objectPath = meta.String();
            uint indexLength = meta.UInt32();
            if (indexLength == 0xFFFFFFFF)
            {
                // No raw data for this object from this segment on.
                active.Remove(objectPath);
            }
            else if (indexLength == 0)
            {
                if (!indexes.ContainsKey(objectPath)) throw new InvalidDataException($"object {objectPath} reuses a raw index it never had");
                if (!active.Contains(objectPath)) active.Add(objectPath);
            }
            else
            {
                var type = (TdmsType)meta.UInt32();
                uint dimension = meta.UInt32();
                ulong count = meta.UInt64();
                if (dimension != 1) throw new InvalidDataException($"object {objectPath}: array dimension {dimension}, TDMS allows 1");
                if (type == TdmsType.String) meta.UInt64();
                if (count > int.MaxValue) throw new InvalidDataException($"object {objectPath}: {count} values per chunk");
                indexes[objectPath] = new ChannelIndex { Type = type, ValuesPerChunk = (long)count };
                if (!active.Contains(objectPath)) active.Add(objectPath);
            }
            uint properties = meta.UInt32();
            for (uint p = 0; p < properties; p++)
            {
                string name = meta.String();
                object value = meta.Value((TdmsType)meta.UInt32());
                if (objectPath == "/") RootProperties[name] = value;
            }
        }
    }

    private void AddRawData(Dictionary<string, ChannelIndex> indexes, List<string> active, long rawStart, long declaredEnd, long presentEnd, bool interleaved, bool bigEndian)
    {
        if (Channels.Count == 0)
        {
            Channels.AddRange(active);
            DataType = indexes[active[0]].Type;
        }
        else if (!Channels.SequenceEqual(active))
        {
            throw new InvalidDataException("the channel list changes between segments; only one fixed set of channels is supported");
        }
        long perChunk = indexes[active[0]].ValuesPerChunk;
        foreach (string channel in active)
        {
            var index = indexes[channel];
            if (index.Type != DataType) throw new InvalidDataException($"channel {channel} is {index.Type}, others {DataType}: mixed types are not supported");
            if (index.ValuesPerChunk != perChunk) throw new InvalidDataException($"channel {channel} has {index.ValuesPerChunk} values per chunk, others {perChunk}");
        }
        int size = DataType.Size();
        long rowBytes = (long)size * active.Count;
        if (rowBytes == 0 || perChunk == 0) return;
        long present = Math.Max(0, presentEnd - rawStart);
        if (interleaved)
        {
            // Interleaved data is a stream of rows (one value per channel). Writers such as Silixa's declare fewer
            // values per chunk than the segment holds, so the row count comes from the segment's size.
            long declaredRows = (declaredEnd - rawStart) / rowBytes, rows = Math.Min(declaredRows, present / rowBytes);
            DeclaredSamples += declaredRows;
            Truncated |= rows < declaredRows;
            if (rows > 0) _chunks.Add(new RawChunk(rawStart, rows, Interleaved: true, bigEndian));
            return;
        }
        long chunkBytes = rowBytes * perChunk;
        long declaredChunks = (declaredEnd - rawStart) / chunkBytes, chunks = Math.Min(declaredChunks, present / chunkBytes);
        DeclaredSamples += declaredChunks * perChunk;
        // A contiguous chunk cut short has no complete sample for its last channels: only whole chunks are kept.
        Truncated |= chunks < declaredChunks;
        for (long c = 0; c < chunks; c++) _chunks.Add(new RawChunk(rawStart + c * chunkBytes, perChunk, Interleaved: false, bigEndian));
    }

    /// <summary>Samples [start, start+count) of every channel as float32 [channel, time].</summary>
    public float[] ReadSamples(string path, long start, long count)
    {
        int channels = Channels.Count, size = DataType.Size();
        var result = new float[channels * count];
        using var stream = File.OpenRead(path);
        long chunkFirst = 0;
        foreach (var chunk in _chunks)
        {
            long from = Math.Max(start, chunkFirst), to = Math.Min(start + count, chunkFirst + chunk.Samples);
            if (from < to)
            {
                long n = to - from, within = from - chunkFirst;
                if (chunk.Interleaved)
                {
                    var bytes = new byte[checked((int)(n * channels * size))];
                    stream.Position = chunk.Offset + within * channels * size;
                    stream.ReadExactly(bytes);
                    SampleConversion.TransposeInto(Decode(bytes, n * channels, chunk.BigEndian), n, channels, result, count, from - start);
                }
                else
                {
                    var bytes = new byte[checked((int)(n * size))];
                    for (int c = 0; c < channels; c++)
                    {
                        stream.Position = chunk.Offset + (c * chunk.Samples + within) * size;
                        stream.ReadExactly(bytes);
                        Decode(bytes, n, chunk.BigEndian).CopyTo(result.AsSpan(checked((int)(c * count + from - start)), (int)n));
                    }
                }
            }
            chunkFirst += chunk.Samples;
        }
        return result;
    }

    private float[] Decode(byte[] bytes, long values, bool bigEndian)
    {
        var result = new float[values];
        switch (DataType)
        {
            case TdmsType.I16: SampleConversion.Int16ToFloat(bytes, result, bigEndian); break;
            case TdmsType.Single or TdmsType.SingleWithUnit: SampleConversion.Float32(bytes, result, bigEndian); break;
            default:
                int size = DataType.Size();
                for (long i = 0; i < values; i++) result[i] = DataType.ToFloat(bytes.AsSpan(checked((int)(i * size))), bigEndian);
                break;
        }
        return result;
    }

    /// <summary>Sequential little- or big-endian reads over a metadata block, failing cleanly at its end.</summary>
    private ref struct TdmsReaderSpan(ReadOnlySpan<byte> data, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || _at + n > _data.Length) throw new InvalidDataException($"metadata ends at byte {_data.Length}, a field needs {n} bytes at {_at}");
            var span = _data.Slice(_at, n);
            _at += n;
            return span;
        }

        public uint UInt32() => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Take(4)) : BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public ulong UInt64() => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(Take(8)) : BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public string String()
        {
            uint length = UInt32();
            return Encoding.UTF8.GetString(Take(checked((int)length)));
        }

        public object Value(TdmsType type)
        {
            if (type == TdmsType.String) return String();
            if (type == TdmsType.TimeStamp)
            {
                // LabVIEW time: unsigned fraction of a second (2^-64 units), then signed seconds since 1904-01-01 UTC.
                ulong fraction = UInt64();
                long seconds = (long)UInt64();
                return TdmsTypes.LabViewEpoch.AddSeconds(seconds).AddTicks((long)Math.Round(fraction / Math.Pow(2, 64) * TimeSpan.TicksPerSecond));
            }
            int size = type.Size();
            return type.ToDouble(Take(size), bigEndian);
        }
    }
}
