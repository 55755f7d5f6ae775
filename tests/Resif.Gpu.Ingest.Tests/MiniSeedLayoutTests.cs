using System.Buffers.Binary;
using System.Text;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

/// <summary>A Steim-1 record (the reference file is Steim-2), encoded by hand from the SEED manual's layout.</summary>
public class MiniSeedLayoutTests
{
    [Fact]
    public void SteimOneRecordDecodesEveryDifferenceWidth()
    {
        int[] samples = [10, 12, 9, 9, 1000, -30000, 5_000_000];
        var record = new byte[512];
        var span = record.AsSpan();
        Encoding.ASCII.GetBytes("000001D ").CopyTo(span);
        Encoding.ASCII.GetBytes("STA01").CopyTo(span[8..]);
        Encoding.ASCII.GetBytes("00HSFXX").CopyTo(span[13..]); // location "00", channel "HSF", network "XX"
        BinaryPrimitives.WriteUInt16BigEndian(span[20..], 2021);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], 32); // 1 February
        span[24] = 3; span[25] = 4; span[26] = 5;
        BinaryPrimitives.WriteUInt16BigEndian(span[28..], 1234); // 0.1234 s
        BinaryPrimitives.WriteUInt16BigEndian(span[30..], (ushort)samples.Length);
        BinaryPrimitives.WriteInt16BigEndian(span[32..], 100);
        BinaryPrimitives.WriteInt16BigEndian(span[34..], 1);
        span[39] = 1; // one blockette
        BinaryPrimitives.WriteUInt16BigEndian(span[44..], 64); // data offset
        BinaryPrimitives.WriteUInt16BigEndian(span[46..], 48); // first blockette
        BinaryPrimitives.WriteUInt16BigEndian(span[48..], 1000);
        span[52] = 10; // Steim-1
        span[53] = 1; // big-endian
        span[54] = 9; // 2^9 = 512-byte record

        var frame = span[64..];
        // Word codes: words 3, 4, 5 hold four 8-bit, two 16-bit and one 32-bit differences.
        uint codes = (1u << (30 - 6)) | (2u << (30 - 8)) | (3u << (30 - 10));
        BinaryPrimitives.WriteUInt32BigEndian(frame, codes);
        BinaryPrimitives.WriteInt32BigEndian(frame[4..], samples[0]);
        BinaryPrimitives.WriteInt32BigEndian(frame[8..], samples[^1]);
        // Differences: d0 (to a previous record, unused) = 0, then 2, -3, 0 | 991, -31000 | 5 030 000.
        frame[12] = 0; frame[13] = 2; frame[14] = unchecked((byte)-3); frame[15] = 0;
        BinaryPrimitives.WriteInt16BigEndian(frame[16..], 991);
        BinaryPrimitives.WriteInt16BigEndian(frame[18..], -31000);
        BinaryPrimitives.WriteInt32BigEndian(frame[20..], 5_030_000);

        string dir = TestPaths.NewTempDirectory("resif-mseed");
        try
        {
            string path = Path.Combine(dir, "steim1.mseed");
            File.WriteAllBytes(path, record);
            var recording = DasFormats.Read(path);
            Assert.Equal("MSEED", recording.Info.Format);
            Assert.Equal(["XX.STA01.00.HSF"], recording.Info.Distance.Labels);
            Assert.Equal(samples.Select(v => (float)v), recording.Data);
            Assert.Equal(0.01, recording.Info.TimeStep, 1e-15);
            Assert.Equal(new DateTimeOffset(2021, 2, 1, 3, 4, 5, 123, TimeSpan.Zero).AddTicks(4000), recording.Info.TimeOrigin);

            // A wrong last-sample check word means the frames were misread: refused.
            BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(64 + 8), 4_999_999);
            File.WriteAllBytes(path, record);
            Assert.Contains("last-sample check", Assert.Throws<InvalidDataException>(() => DasFormats.Read(path)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
