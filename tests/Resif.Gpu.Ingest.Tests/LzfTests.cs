using System.Text;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;
using Resif.Gpu.Ingest.Internal.Hdf5;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Ingest.Tests;

public class LzfTests
{
    [Fact]
    public void BackReferencesCopyOverlappingRuns()
    {
        // Hand-encoded from the LZF layout: literal "abc" (control 2), then 6 bytes from 3 back
        // (control (6-2)<<5 = 0x80, offset byte 3-1 = 2), then 9+7+2 = 18 bytes from 1 back (control 7<<5 = 0xE0,
        // extra length 9, offset byte 0).
        byte[] stream = [2, (byte)'a', (byte)'b', (byte)'c', 0x80, 2, 0xE0, 9, 0];
        var output = new byte[27];
        Assert.Equal(27, LzfFilter.Decompress(stream, output));
        Assert.Equal("abcabcabc" + new string('c', 18), Encoding.ASCII.GetString(output));
    }

    [Fact]
    public void BackReferenceBeforeTheStartIsCorruption()
    {
        byte[] stream = [0, (byte)'a', 0x20, 5];
        Assert.Throws<InvalidDataException>(() => LzfFilter.Decompress(stream, new byte[16]));
    }

    /// <summary>An h5_simple file whose chunks go through filter 32000 is read by the registered decoder.</summary>
    [Fact]
    public void LzfChunkedDatasetReadsBack()
    {
        // H5's first use registers the production decoder: do it now, so that it cannot replace the filters below.
        Assert.False(H5.HasSignature([]));
        float[] raw = Enumerable.Range(0, 40 * 8).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
        string dir = TestPaths.NewTempDirectory("resif-lzf");
        try
        {
            string path = Path.Combine(dir, "lzf.h5");
            H5Filter.Register(new LiteralLzfWriter());
            var dataset = new H5Dataset(raw, chunks: [10, 8], fileDims: [40, 8],
                datasetCreation: new H5DatasetCreation(Filters: [new H5Filter(Id: LzfFilter.Id)]));
            new H5File { ["raw"] = dataset, ["timestamp"] = Enumerable.Range(0, 40).Select(i => 1e9 + i * 0.01).ToArray() }.Write(path);
            // Proof that the chunks really go through filter 32000: a refusing decoder makes the read fail.
            H5Filter.Register(new RefusingFilter());
            Assert.Throws<InvalidDataException>(() => DasFormats.Get("H5_SIMPLE").Read(path));
            H5Filter.Register(new LzfFilter());

            var recording = DasFormats.Read(path);
            Assert.Equal(raw.Length, recording.Data.Length);
            for (int t = 0; t < 40; t++)
                for (int c = 0; c < 8; c++)
                    Assert.Equal(raw[t * 8 + c], recording.Data[c * 40 + t]);
        }
        finally
        {
            H5Filter.Register(new LzfFilter());
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class RefusingFilter : IH5Filter
    {
        public ushort FilterId => LzfFilter.Id;

        public string Name => "lzf";

        public Memory<byte> Filter(FilterInfo info) => throw new InvalidOperationException("refused");

        public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];
    }

    /// <summary>Writes valid LZF made of literal runs only (the readers need no compressor); reads through the real decoder.</summary>
    private sealed class LiteralLzfWriter : IH5Filter
    {
        public ushort FilterId => LzfFilter.Id;

        public string Name => "lzf";

        public Memory<byte> Filter(FilterInfo info)
        {
            if (info.Flags.HasFlag(H5FilterFlags.Decompress)) return new LzfFilter().Filter(info);
            var source = info.Buffer.Span;
            var encoded = new List<byte>(source.Length + source.Length / 32 + 1);
            for (int at = 0; at < source.Length; at += 32)
            {
                int run = Math.Min(32, source.Length - at);
                encoded.Add((byte)(run - 1));
                encoded.AddRange(source.Slice(at, run).ToArray());
            }
            return encoded.ToArray();
        }

        public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];
    }
}
