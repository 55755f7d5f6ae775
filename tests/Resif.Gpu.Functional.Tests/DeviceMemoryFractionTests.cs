using Resif.Gpu.Core;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Configuration;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>The GPU memory budget of resident pipelines, set by the "deviceMemoryFraction" key or `serve --device-memory-fraction`.</summary>
public sealed class DeviceMemoryFractionTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_key_reaches_the_server_options_and_is_absent_by_default()
    {
        Assert.Equal(0.5, ServerConfiguration.Parse("""{ "deviceMemoryFraction": 0.5 }""", "test", _dir).ToOptions().DeviceMemoryFraction);
        Assert.Null(ServerConfiguration.Parse("{}", "test", _dir).ToOptions().DeviceMemoryFraction);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("\"half\"")]
    public void A_value_outside_zero_to_one_is_refused_naming_the_key(string value)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Parse($$"""{ "deviceMemoryFraction": {{value}} }""", "test", _dir));
        Assert.Equal("deviceMemoryFraction", e.Key);
    }

    [Fact]
    public async Task A_server_refuses_a_fraction_outside_zero_to_one_before_starting()
    {
        var options = new ResifServerOptions { Store = new InMemoryArrayStore(), Device = "cpu", DeviceMemoryFraction = 2 };
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => ResifServer.StartAsync(options, CancellationToken.None));
        Assert.Equal("device_memory_fraction", e.Field);
    }
}
