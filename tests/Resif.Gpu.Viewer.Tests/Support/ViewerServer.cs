using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Security;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Viewer.Tests.Support;

/// <summary>
/// A real server (gRPC + viewer port) over the synthetic demo scene, kept small so tests stay quick:
/// 96 channels × 8 s at 500 Hz, 4 m spacing, plane waves at +1500 and −3000 m/s.
/// </summary>
public class ViewerServer : IAsyncLifetime
{
    public const string ArrayName = "demo";

    public static SyntheticScene Scene { get; } = SyntheticScenes.Demo(channels: 96, seconds: 8, samplingRate: 500);

    /// <summary>The scene's samples, C-order [channel, time].</summary>
    public static float[] Data { get; } = Scene.Generate();

    private readonly AccessPolicy? _access;

    public ViewerServer() : this(null)
    {
    }

    protected ViewerServer(AccessPolicy? access) => _access = access;

    public ResifServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var store = new InMemoryArrayStore();
        store.Add(ArrayName, Data, Scene.Channels, Scene.Samples, Scene.TimeStep, Scene.ChannelSpacing, Scene.Units);
        Server = await ResifServer.StartAsync(new ResifServerOptions { Store = store, Device = "cpu", WebPort = 0, Access = _access });
        Http = new HttpClient { BaseAddress = new Uri(Server.WebUrl!) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The same server, with the viewer's endpoints behind a token.</summary>
public sealed class TokenViewerServer : ViewerServer
{
    public const string Token = "viewer-secret-token-0001";

    /// <summary>A user whose rights cover other arrays only: the demo array must stay invisible to it.</summary>
    public const string OutsiderToken = "outsider-token-0000002";

    public TokenViewerServer() : base(AccessPolicy.Parse($$"""
        { "tokens": { "{{Token}}": "viewer", "{{OutsiderToken}}": "outsider" },
          "users": { "viewer": { "*": ["read", "reduce"] }, "outsider": { "other-*": ["read", "reduce"] } } }
        """))
    {
    }
}
