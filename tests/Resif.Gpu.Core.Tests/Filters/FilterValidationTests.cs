namespace Resif.Gpu.Core.Tests.Filters;

/// <summary>Bad parameters are refused with an InvalidRequestException naming the field, before any data is touched.</summary>
public sealed class FilterValidationTests
{
    [Theory]
    // 200 Hz sampling: Nyquist is 100 Hz. ObsPy would silently turn this bandpass into a highpass; we refuse.
    [InlineData("bandpass:freqmin=5,freqmax=100", 1000, "operations[0].freqmax")]
    [InlineData("bandpass:freqmin=5,freqmax=150", 1000, "operations[0].freqmax")]
    [InlineData("lowpass:freq=100", 1000, "operations[0].freq")]
    [InlineData("highpass:freq=120", 1000, "operations[0].freq")]
    [InlineData("bandstop:freqmin=10,freqmax=10", 1000, "operations[0].freqmin")]
    [InlineData("bandpass:freqmin=20,freqmax=10", 1000, "operations[0].freqmin")]
    [InlineData("bandpass:freqmin=0,freqmax=10", 1000, "operations[0].freqmin")]
    [InlineData("lowpass:freq=-1", 1000, "operations[0].freq")]
    [InlineData("lowpass:freq=10,corners=0", 1000, "operations[0].corners")]
    [InlineData("lowpass:freq=10,corners=33", 1000, "operations[0].corners")]
    [InlineData("lowpass:freq=10,pad=odd", 1000, "operations[0].pad")]
    [InlineData("lowpass:freq=10,pad=even", 1000, "operations[0].pad")]
    [InlineData("bandpass:freqmax=10", 1000, "operations[0].freqmin")]
    [InlineData("lowpass:freq=10,freqmin=3", 1000, "operations[0].freqmin")]
    // sosfiltfilt's padlen for 4 sections is 27: the window must be longer (SciPy raises ValueError).
    [InlineData("bandpass:freqmin=5,freqmax=10,zerophase=true,pad=odd", 27, "operations[0].pad")]
    [InlineData("decimate:factor=0", 1000, "operations[0].factor")]
    [InlineData("decimate:factor=1001", 1000, "operations[0].factor")]
    [InlineData("decimate:factor=2,method=fourier", 1000, "operations[0].method")]
    [InlineData("decimate:factor=2", 27, "operations[0].method")]
    [InlineData("resample:rate=0", 1000, "operations[0].rate")]
    [InlineData("resample:rate=628.3185307179586", 1000, "operations[0].rate")]
    [InlineData("taper:max_percentage=0.6", 1000, "operations[0].max_percentage")]
    [InlineData("detrend:type=spline", 1000, "operations[0].type")]
    public void RefusesNamingTheField(string spec, int columns, string field)
    {
        var block = FilterTestData.NewBlock(new float[2 * columns], 2, columns, 1 / 200.0);
        var error = Assert.ThrowsAny<InvalidRequestException>(() => FilterTestData.Apply(spec, block));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void OddPadAcceptsOneSampleMoreThanThePad()
    {
        var block = FilterTestData.NewBlock(FilterTestData.RandomChannels(1, 28, seed: 1), 1, 28, 1 / 200.0);
        var output = FilterTestData.Apply("bandpass:freqmin=5,freqmax=10,zerophase=true,pad=odd", block);
        Assert.All(output.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ParametersAreNormalisedForProvenance()
    {
        var operation = Core.Operations.OperationRegistry.Default.Create(Core.Operations.OperationRequest.Parse("bandpass:freqmax=10.50,freqmin=5,zerophase=YES", 0), 0);
        Assert.Equal(new Dictionary<string, string>
        {
            ["freqmin"] = "5", ["freqmax"] = "10.5", ["corners"] = "4", ["zerophase"] = "true", ["pad"] = "none",
        }, operation.Parameters);
        Assert.True(operation.ChannelsIndependent);
    }

    [Fact]
    public void IrregularTimeIsRefusedNamingTheOperation()
    {
        var layout = new TensorLayout(["channel", "time"], [1, 3],
            [new Coordinate("channel", "", 1, 0, 1), new Coordinate("time", "s", 3, 0, 0) { Values = [0.0, 0.1, 0.3] }], "strain_rate");
        var operation = Core.Operations.OperationRegistry.Default.Create(Core.Operations.OperationRequest.Parse("lowpass:freq=1", 0), 0);
        var error = Assert.Throws<InvalidRequestException>(() => operation.Plan(layout));
        Assert.Equal("operations[0]", error.Field);
    }
}
