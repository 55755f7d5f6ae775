using System.Text.Json;
using Resif.Gpu.Cli.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Functional.Tests;

/// <summary>The .json sidecar records the device as the work ended only when it changed (a GPU that failed mid-way).</summary>
public sealed class DeviceAtEndTests
{
    private static readonly V1.ResultHeader Header = new() { Array = "a", Backend = "ilgpu-cuda", Device = "H100 (Cuda, 81000 MiB)" };

    [Fact]
    public void A_device_that_changed_during_the_work_is_recorded_beside_the_header_device()
    {
        const string fellBack = "H100 (Cuda) disabled after a device failure, running on the CPU backend: lost";
        using var json = JsonDocument.Parse(ResultFiles.ToJson(Header, new V1.ResultTrailer { Device = fellBack }));

        Assert.Equal(Header.Device, json.RootElement.GetProperty("device").GetString());
        Assert.Equal(fellBack, json.RootElement.GetProperty("device_at_end").GetString());
    }

    [Fact]
    public void An_unchanged_or_unknown_device_leaves_the_sidecar_as_before()
    {
        string plain = ResultFiles.ToJson(Header);
        Assert.Equal(plain, ResultFiles.ToJson(Header, new V1.ResultTrailer { Device = Header.Device }));
        Assert.Equal(plain, ResultFiles.ToJson(Header, new V1.ResultTrailer())); // an older server sends no device
        Assert.False(JsonDocument.Parse(plain).RootElement.TryGetProperty("device_at_end", out _));
    }
}
