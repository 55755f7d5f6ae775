using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Core.Tests.Spectral;

/// <summary>The spectral operations inside the real plan/executor path (all channels in one block for fk).</summary>
public class PipelineTests
{
    private sealed class MemorySource(ArrayInfo info, float[] data) : IArraySource
    {
        public ArrayInfo Info => info;

        public void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination)
        {
            long samples = info.Layout.Shape[1];
            for (long k = 0; k < channelCount; k++)
                data.AsSpan((int)((channelStart + k * channelStep) * samples + timeStart), (int)timeCount).CopyTo(destination.Slice((int)(k * timeCount), (int)timeCount));
        }

        public void Dispose()
        {
        }
    }

    private static async Task<(ReductionPlan Plan, float[] Output)> Reduce(string[] operations, float[] data, TensorLayout layout, long blockBytes)
    {
        var info = new ArrayInfo("test", layout, new Dictionary<string, string>());
        var request = new ReductionRequest("test", Selection.All, operations.Select(OperationRequest.Parse).ToArray());
        var plan = ReductionPlan.Create(info, request, OperationRegistry.Default, 0, blockBytes);
        using var backend = new CpuBackend();
        var bytes = new List<byte>();
        await foreach (var part in ReductionExecutor.RunAsync(plan, new MemorySource(info, data), backend))
            if (part is ResultChunk chunk) bytes.AddRange(chunk.Data.ToArray());
        var output = new float[bytes.Count / sizeof(float)];
        Buffer.BlockCopy(bytes.ToArray(), 0, output, 0, bytes.Count);
        return (plan, output);
    }

    [Fact]
    public async Task Fk_gets_every_channel_even_with_tiny_blocks()
    {
        const int channels = 12, samples = 64;
        var layout = SpectralTestData.Layout(channels, samples, 2, 0.01);
        var x = SpectralTestData.Random(channels * samples, 5);
        // A block budget of one channel would split channel-independent work; fk must still see all 12.
        var (plan, output) = await Reduce(["fk:output=power"], x, layout, blockBytes: samples * sizeof(float));
        Assert.Equal(channels, plan.ChannelsPerBlock);
        Assert.Equal(SpectralTestData.Run("fk:output=power", layout, (float[])x.Clone()).Values.ToArray(), output);
    }

    [Fact]
    public async Task Channel_independent_chain_matches_a_single_block()
    {
        const int channels = 10, samples = 300;
        var layout = SpectralTestData.Layout(channels, samples, 2, 0.01);
        var x = SpectralTestData.Random(channels * samples, 6);
        string[] chain = ["envelope", "stalta:sta=0.1,lta=1", "rms:window=0.5"];
        var (plan, output) = await Reduce(chain, x, layout, blockBytes: 3 * samples * sizeof(float));
        Assert.True(plan.ChannelsPerBlock < channels);
        var (_, whole) = await Reduce(chain, x, layout, blockBytes: 1L << 30);
        Assert.Equal(whole, output);
        Assert.Equal([channels, 6L], plan.Output.Shape);
    }

    [Fact]
    public void Real_operations_refuse_a_complex_spectrum()
    {
        var layout = SpectralTestData.Layout(4, 64, 2, 0.01);
        var complex = SpectralTestData.Create("fk:output=complex").Plan(layout);
        foreach (var spec in new[] { "envelope", "rms:window=0.1", "stalta:sta=0.05,lta=0.2", "normalize", "abs", "fkfilter:va=1,vb=2,vc=3,vd=4" })
            Assert.Equal("array", Assert.Throws<InvalidRequestException>(() => SpectralTestData.Create(spec).Plan(complex)).Field);
    }
}
