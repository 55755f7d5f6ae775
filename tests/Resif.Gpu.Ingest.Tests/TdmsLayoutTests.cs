using System.Text;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>
/// TDMS layouts the reference files lack, written byte by byte from NI's published layout: contiguous (not
/// interleaved) chunks, and a second segment that reuses the first one's metadata.
/// </summary>
public class TdmsLayoutTests
{
    private const uint TocMetaData = 0x2, TocNewObjList = 0x4, TocRawData = 0x8;
    private const uint TypeI16 = 2, TypeDouble = 10, TypeTimeStamp = 0x44;

    [Fact]
    public void ContiguousChunksAcrossSegmentsFormOneRecord()
    {
        const int perChunk = 3;
        using var metadata = new MemoryStream();
        using (var w = new BinaryWriter(metadata, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(4u); // objects
            WriteString(w, "/");
            w.Write(0xFFFFFFFFu);
            w.Write(3u);
            WriteString(w, "SamplingFrequency[Hz]"); w.Write(TypeDouble); w.Write(100.0);
            WriteString(w, "SpatialResolution[m]"); w.Write(TypeDouble); w.Write(2.0);
            // 2020-01-01T00:00:00.25Z in LabVIEW time: seconds since 1904 and a 2^-64 fraction.
            WriteString(w, "GPSTimeStamp"); w.Write(TypeTimeStamp); w.Write(1UL << 62); w.Write(3_660_681_600L);
            WriteString(w, "/'Measurement'");
            w.Write(0xFFFFFFFFu);
            w.Write(0u);
            foreach (string channel in new[] { "/'Measurement'/'0'", "/'Measurement'/'1'" })
            {
                WriteString(w, channel);
                w.Write(20u); // raw data index length
                w.Write(TypeI16); w.Write(1u); w.Write((ulong)perChunk);
                w.Write(0u);
            }
        }
        // Value = 100 * channel + sample; each chunk holds channel 0's three samples, then channel 1's.
        byte[] Chunk(int firstSample)
        {
            using var raw = new MemoryStream();
            using var w = new BinaryWriter(raw);
            for (int c = 0; c < 2; c++)
                for (int t = 0; t < perChunk; t++) w.Write((short)(100 * c + firstSample + t));
            w.Flush();
            return raw.ToArray();
        }

        string dir = TestPaths.NewTempDirectory("resif-tdms-layout");
        try
        {
            string path = Path.Combine(dir, "contiguous.tdms");
            using (var file = new BinaryWriter(File.Create(path)))
            {
                byte[] meta = metadata.ToArray();
                byte[] first = [.. Chunk(0), .. Chunk(3)];
                WriteLeadIn(file, TocMetaData | TocNewObjList | TocRawData, meta.Length, meta.Length + first.Length);
                file.Write(meta);
                file.Write(first);
                byte[] second = Chunk(6);
                WriteLeadIn(file, TocRawData, 0, second.Length);
                file.Write(second);
            }

            var recording = DasFormats.Read(path);
            Assert.Equal("TDMS", recording.Info.Format);
            Assert.Equal(2, recording.Channels);
            Assert.Equal(9, recording.SampleCount);
            Assert.Equal(Enumerable.Range(0, 9).Select(i => (float)i), recording.Channel(0).ToArray());
            Assert.Equal(Enumerable.Range(100, 9).Select(i => (float)i), recording.Channel(1).ToArray());
            Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, 250, TimeSpan.Zero), recording.Info.TimeOrigin);
            Assert.Equal(0.01, recording.Info.TimeStep, 1e-15);
            Assert.Equal(["0", "1"], recording.Info.Distance.Labels);

            var block = DasFormats.Get("TDMS").ReadTimeBlock(path, 2, 5);
            Assert.Equal(new float[] { 2, 3, 4, 5, 6 }, block.Channel(0).ToArray());
            Assert.Equal(new float[] { 102, 103, 104, 105, 106 }, block.Channel(1).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WriteString(BinaryWriter w, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        w.Write((uint)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteLeadIn(BinaryWriter w, uint toc, long rawDataOffset, long nextSegmentOffset)
    {
        w.Write("TDSm"u8.ToArray());
        w.Write(toc);
        w.Write(4713u);
        w.Write((ulong)nextSegmentOffset);
        w.Write((ulong)rawDataOffset);
    }
}
