using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class CorruptionTests
{
    /// <summary>
    /// Bytes overwritten in headers, metadata or data: the read either succeeds (damage inside uncompressed
    /// samples cannot be seen) or fails with an <see cref="InvalidDataException"/> naming the file, never with
    /// another exception type.
    /// </summary>
    [Theory]
    [MemberData(nameof(DetectionAndDamageTests.Files), MemberType = typeof(DetectionAndDamageTests))]
    public void DamagedFileFailsCleanlyOrReads(string file, string format)
    {
        byte[] original = File.ReadAllBytes(Expected.PathOf(file));
        string dir = TestPaths.NewTempDirectory("resif-damage");
        try
        {
            foreach (int at in new[] { 0, 40, 200, 1000, 3000, original.Length / 2 })
            {
                byte[] bytes = (byte[])original.Clone();
                for (int i = at; i < Math.Min(at + 48, bytes.Length); i++) bytes[i] = (byte)(0xA5 ^ i);
                string path = Path.Combine(dir, $"damaged{at}-{file}");
                File.WriteAllBytes(path, bytes);
                try
                {
                    var recording = DasFormats.Get(format).Read(path);
                    Assert.Equal(recording.Channels * recording.SampleCount, recording.Data.LongLength);
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains(path, e.Message);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
