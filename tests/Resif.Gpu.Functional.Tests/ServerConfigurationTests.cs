using Grpc.Core;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Client;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Configuration;
using Resif.Gpu.Server.Limits;
using Resif.Gpu.Server.Telemetry;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>`resif-gpu serve --config FILE`: the example file, strict keys, defaults, and flags over the file.</summary>
public sealed class ServerConfigurationTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-config");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_example_file_loads_with_the_values_it_documents()
    {
        var config = ServerConfiguration.Load(Path.Combine(TestPaths.RepoRoot, "src", "Resif.Gpu.Server", "resif-gpu.example.json"));
        Assert.Equal("/srv/das/store", config.Store);
        Assert.Equal(("127.0.0.1", 50051, 8080), (config.Bind, config.Port, config.WebPort));
        Assert.Equal(LogLevel.Information, config.LogLevel);
        Assert.Equal(4L << 30, config.MaxOutputBytes);
        Assert.Null(config.TlsCertificate);
        Assert.Null(config.TokenFile);
        Assert.Equal(32, config.Limits.MaxPipelineLength);
        Assert.Equal(TimeSpan.FromMinutes(30), config.Limits.MaxRequestDuration);
        Assert.Equal(8, config.Limits.MaxConcurrentReductions);
        Assert.Equal(1L << 20, config.Limits.MaxSlownessGridCells);
        Assert.Equal(new Uri("http://localhost:4317"), config.Telemetry.OtlpEndpoint);
        Assert.Equal(OtlpProtocol.Grpc, config.Telemetry.OtlpProtocol);
        Assert.Equal(TimeSpan.FromSeconds(15), config.Telemetry.ExportInterval);
        var options = config.ToOptions();
        Assert.Equal(config.Limits, options.Limits);
        Assert.Equal("/srv/das/store", options.StorePath);
    }

    [Fact]
    public void An_empty_file_gives_the_same_options_as_no_file()
    {
        var fromFile = ServerConfiguration.Parse("{}", "empty", _dir).ToOptions();
        var builtIn = new ResifServerOptions();
        Assert.Equal((builtIn.BindAddress, builtIn.Device, builtIn.MaxOutputBytes, builtIn.MinimumLogLevel, builtIn.Limits),
            (fromFile.BindAddress, fromFile.Device, fromFile.MaxOutputBytes, fromFile.MinimumLogLevel, fromFile.Limits));
        Assert.Equal(50051, fromFile.Port);
        Assert.False(fromFile.Telemetry.Enabled);
        Assert.Equal(ServerLimits.Default, fromFile.Limits);
    }

    [Fact]
    public void Relative_paths_are_relative_to_the_file()
    {
        var config = ServerConfiguration.Load(Write("c.json", """{ "store": "data/store", "tls": { "certificate": "/etc/c.pem", "key": "k.pem" } }"""));
        Assert.Equal(Path.Combine(_dir, "data", "store"), config.Store);
        Assert.Equal("/etc/c.pem", config.TlsCertificate);
        Assert.Equal(Path.Combine(_dir, "k.pem"), config.TlsKey);
    }

    [Theory]
    [InlineData("""{ "limits": { "maxPipelin": 3 } }""", "limits.maxPipelin")]
    [InlineData("""{ "limits": { "maxPipeline": 0 } }""", "limits.maxPipeline")]
    [InlineData("""{ "limits": { "maxPipeline": 2.5 } }""", "limits.maxPipeline")]
    [InlineData("""{ "limits": { "maxRequestSeconds": -1 } }""", "limits.maxRequestSeconds")]
    [InlineData("""{ "limits": [] }""", "limits")]
    [InlineData("""{ "port": "http" }""", "port")]
    [InlineData("""{ "port": 70000 }""", "port")]
    [InlineData("""{ "logLevel": "loud" }""", "logLevel")]
    [InlineData("""{ "allowAnonymous": "yes" }""", "allowAnonymous")]
    [InlineData("""{ "tls": { "cert": "x.pem" } }""", "tls.cert")]
    [InlineData("""{ "telemetry": { "otlpEndpoint": "localhost:4317" } }""", "telemetry.otlpEndpoint")]
    [InlineData("""{ "telemetry": { "otlpProtocol": "carrier-pigeon" } }""", "telemetry.otlpProtocol")]
    [InlineData("""{ "Store": "/x" }""", "Store")]
    public void Unknown_keys_and_bad_values_are_refused_naming_the_key(string json, string key)
    {
        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Parse(json, "test.json", _dir));
        Assert.Equal(key, error.Key);
        Assert.StartsWith($"test.json: {key}: ", error.Message);
    }

    [Fact]
    public async Task Serve_runs_with_the_file_and_flags_override_its_keys()
    {
        string store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(store);
        var scene = SyntheticScenes.Demo(channels: 8, seconds: 2, samplingRate: 200);
        await CliRunner.IngestSceneAsync(scene, _dir, store, "das", "--dt", "0.005", "--dx", "2");
        // A device that does not exist and a fixed port: both must be replaced by the flags, or serve cannot start.
        string config = Write("serve.json", """
            { "store": "store", "port": 1, "device": "no-such-device", "limits": { "maxPipeline": 2 } }
            """);

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var serving = CliApp.RunAsync(["serve", "--config", config, "--port", "0", "--device", "cpu"],
            TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop.Token);
        string? url = null;
        for (int i = 0; i < 300 && url is null && !serving.IsCompleted; i++)
        {
            await Task.Delay(100);
            url = stdout.ToString().Split(' ').FirstOrDefault(w => w.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        }
        Assert.True(url is not null, $"serve printed no URL: {stdout}{stderr}");

        using var client = new ResifClient(url);
        var ok = await client.ReduceAsync(new ReduceRequestBuilder("das").Lowpass(20).Decimate(2));
        Assert.Equal([8L, 200L], ok.Shape);
        // The file's limits apply: three operations exceed its maxPipeline of 2.
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ReduceAsync(new ReduceRequestBuilder("das").Lowpass(20).Decimate(2).Decimate(2)));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("operations", refused.Status.Detail);

        await stop.CancelAsync();
        Assert.Equal(0, await serving);
    }

    [Fact]
    public async Task Serve_with_a_bad_file_exits_1_naming_the_key()
    {
        string config = Write("bad.json", """{ "store": "s", "limits": { "maxPipeline": "many" } }""");
        var outcome = await CliRunner.RunAsync("serve", "--config", config);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal($"resif-gpu serve: {config}: limits.maxPipeline: must be an integer from 1 to 10000", outcome.Error.TrimEnd());
    }

    [Fact]
    public async Task Serve_without_store_or_config_is_a_usage_error()
    {
        var outcome = await CliRunner.RunAsync("serve", "--port", "0");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--store", outcome.Error);
    }
}
