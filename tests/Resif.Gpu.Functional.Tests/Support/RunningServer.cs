using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Server;

namespace Resif.Gpu.Functional.Tests.Support;

/// <summary>A real server on a free loopback port over a <see cref="TestStore"/>, with a client bound to it.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(ResifServer server, TestStore store, float[] demoData, SyntheticScene scene)
    {
        Server = server;
        Store = store;
        SceneData = demoData;
        Scene = scene;
        Client = new ResifClient(server.Url) { Deadline = TimeSpan.FromMinutes(1) };
    }

    public ResifServer Server { get; }

    public TestStore Store { get; }

    public ResifClient Client { get; }

    /// <summary>A small demo scene ("demo", 40 channels × 4 s at 500 Hz) and its values.</summary>
    public SyntheticScene Scene { get; }

    public float[] SceneData { get; }

    public static async Task<RunningServer> StartAsync(long maxOutputBytes = 1L << 30)
    {
        var scene = SyntheticScenes.Demo(channels: 40, seconds: 4, samplingRate: 500);
        var store = new TestStore().AddScene(scene, out var data);
        var server = await ResifServer.StartAsync(new ResifServerOptions
        {
            Store = store,
            BackendProvider = new CpuBackendProvider(),
            Operations = ScaleDescriptor.Registry,
            MaxOutputBytes = maxOutputBytes,
        });
        return new RunningServer(server, store, data, scene);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
