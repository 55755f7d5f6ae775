using System.Text.Json;
using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>The CLI over a real on-disk store: ingest, embedded vs remote reduce, serve, demo.</summary>
public sealed class StoreCliTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-store-cli");
    private readonly string _store;
    private readonly SyntheticScene _scene = SyntheticScenes.Demo(channels: 24, seconds: 10, samplingRate: 1000);

    public StoreCliTests()
    {
        _store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(_store);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private async Task IngestAsync(string name = "das")
    {
        await CliRunner.IngestSceneAsync(_scene, _dir, _store, name, "--dt", "0.001", "--dx", "4",
            "--t0", "2024-05-06T07:08:09Z", "--units", "strain_rate");
    }

    [Fact]
    public async Task Ingested_data_reads_back_exactly_with_its_coordinates()
    {
        await IngestAsync();
        var info = await CliRunner.RunAsync("info", "das", "--store", _store, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        using var json = JsonDocument.Parse(info.Out);
        // JSON of a protobuf message carries int64 values as strings.
        Assert.Equal(["24", "10000"], json.RootElement.GetProperty("shape").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("2024-05-06T07:08:09.0000000+00:00", json.RootElement.GetProperty("coords")[1].GetProperty("origin").GetString());

        // No operations: the result is exactly a slice of what was ingested, checked by NumPy.
        var reduce = await CliRunner.RunAsync("reduce", "das", "--store", _store, "--channels", "2:23:3", "--time", "1.5:7.25", "--out", PathOf("slice.npy"));
        Assert.True(reduce.ExitCode == 0, reduce.ToString());
        string same = Python.Run("import numpy as np\nprint(np.array_equal(np.load('slice.npy'), np.load('in.npy')[2:23:3, 1500:7250]))\n", _dir);
        Assert.Equal("True", same.Trim());
    }

    [Fact]
    public async Task Reduce_embedded_and_through_a_server_write_the_same_bytes()
    {
        await IngestAsync();
        string[] pipeline = ["--op", "bandpass:freqmin=2,freqmax=20,zerophase=true", "--op", "decimate:factor=10", "--channels", "0:20", "--time", "1:9"];
        var embedded = await CliRunner.RunAsync(["reduce", "das", "--store", _store, .. pipeline, "--out", PathOf("embedded.npy")]);
        Assert.True(embedded.ExitCode == 0, embedded.ToString());

        await using (var server = await ResifServer.StartAsync(new ResifServerOptions { StorePath = _store }))
        {
            var remote = await CliRunner.RunAsync(["reduce", "das", "--server", server.Url, .. pipeline, "--out", PathOf("remote.npy")]);
            Assert.True(remote.ExitCode == 0, remote.ToString());
        }

        Assert.Equal(File.ReadAllBytes(PathOf("embedded.npy")), File.ReadAllBytes(PathOf("remote.npy")));
        Assert.Equal(File.ReadAllText(PathOf("embedded.json")), File.ReadAllText(PathOf("remote.json")));
        var (shape, _, _) = NpyFile.Read(PathOf("remote.npy"));
        Assert.Equal([20L, 800L], shape);
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf("remote.json")));
        Assert.Equal(["select", "bandpass", "decimate"], json.RootElement.GetProperty("provenance").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(0.01, json.RootElement.GetProperty("coords")[1].GetProperty("step").GetDouble(), 15);
    }

    [Fact]
    public async Task Ingest_refuses_an_existing_name_and_a_wrong_file()
    {
        await IngestAsync();
        var again = await CliRunner.RunAsync("ingest", PathOf("in.npy"), "--store", _store, "--name", "das");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Error);

        File.WriteAllText(PathOf("bad.npy"), "this is a text file, not a NumPy array");
        var bad = await CliRunner.RunAsync("ingest", PathOf("bad.npy"), "--store", _store, "--name", "other");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not a .npy file", bad.Error);

        var missing = await CliRunner.RunAsync("reduce", "nope", "--store", _store, "--out", PathOf("x.npy"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("resif-gpu reduce: array 'nope' not found", missing.Error.TrimEnd());
    }

    [Theory]
    [InlineData(0.5, 2.4, SyntheticScenes.DemoForwardVelocity)]
    [InlineData(3.1, 5.0, SyntheticScenes.DemoBackwardVelocity)]
    public async Task Demo_result_keeps_the_plane_waves_at_their_known_apparent_velocities(double from, double to, double velocity)
    {
        // 200 channels x 4 m: 0.53 s of moveout at 1500 m/s, far above the 10 ms output sample. Each window holds one
        // wave train and no part of the local event (which arrives between 2.65 and 2.9 s here).
        string output = PathOf("demo-out");
        var demo = await CliRunner.RunAsync("demo", "--out", output, "--store", _store, "--channels", "200", "--seconds", "5");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        var (shape, _, values) = NpyFile.Read(Path.Combine(output, "result.npy"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "result.json")));
        var coords = json.RootElement.GetProperty("coords");
        double dx = coords[0].GetProperty("step").GetDouble(), dt = coords[1].GetProperty("step").GetDouble();

        int samples = (int)shape[1], first = (int)Math.Round(from / dt), last = (int)Math.Round(to / dt);
        var distance = new double[shape[0]];
        var arrival = new double[shape[0]];
        for (int c = 0; c < shape[0]; c++)
        {
            // A zero-phase filter keeps the Ricker peak where the wavelet was centred.
            var window = values.AsSpan(c * samples + first, last - first).ToArray();
            distance[c] = c * dx;
            arrival[c] = (first + Array.IndexOf(window, window.Max())) * dt;
        }
        double meanX = distance.Average(), meanT = arrival.Average();
        double slope = distance.Zip(arrival, (x, t) => (x - meanX) * (t - meanT)).Sum() / distance.Sum(x => (x - meanX) * (x - meanX));
        // 3 %: arrivals are quantised to the 10 ms output step over 0.27-0.53 s of moveout; a least-squares fit over
        // 200 channels averages that well below 3 %, while a wrong sign or a lost wave is off by far more.
        Assert.InRange(1 / slope, velocity * (velocity > 0 ? 0.97 : 1.03), velocity * (velocity > 0 ? 1.03 : 0.97));
    }

    [Fact]
    public async Task Export_writes_the_stored_array_as_numpy_reads_it()
    {
        await IngestAsync();
        var export = await CliRunner.RunAsync("export", Path.Combine(_store, "arrays", "das"), "--out", PathOf("exported.npy"));
        Assert.True(export.ExitCode == 0, export.ToString());
        string same = Python.Run("import numpy as np\nprint(np.array_equal(np.load('exported.npy'), np.load('in.npy')))\n", _dir);
        Assert.Equal("True", same.Trim());

        var missing = await CliRunner.RunAsync("export", PathOf("nowhere"), "--out", PathOf("x.npy"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Single(missing.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Serve_prints_its_url_answers_and_stops_on_cancel()
    {
        await IngestAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var (url, serving) = await ServeAsync(stop.Token);
        var ls = await CliRunner.RunAsync("ls", "--server", url);
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Contains("das", ls.Out);

        await stop.CancelAsync();
        Assert.Equal(0, await serving);
    }

    /// <summary>Runs `serve` in-process on a free port until <paramref name="stop"/>; returns the URL it printed.</summary>
    private async Task<(string Url, Task<int> Serving)> ServeAsync(CancellationToken stop, params string[] extraArguments)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var serving = CliApp.RunAsync(["serve", "--store", _store, "--port", "0", .. extraArguments],
            TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop);
        for (int i = 0; i < 300; i++)
        {
            await Task.Delay(100);
            string? url = stdout.ToString().Split(' ').FirstOrDefault(w => w.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
            if (url is not null) return (url, serving);
        }
        throw new TimeoutException($"serve printed no URL: {stdout}{stderr}");
    }

    [Fact]
    public async Task Serve_with_a_token_file_refuses_callers_without_a_token()
    {
        await IngestAsync();
        string tokens = PathOf("tokens.json");
        File.WriteAllText(tokens, """{ "tokens": { "a-token-of-sixteen-plus": "alice" }, "users": { "alice": { "*": ["read"] } } }""");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var (url, serving) = await ServeAsync(stop.Token, "--tokens", tokens);
        var ls = await CliRunner.RunAsync("ls", "--server", url);
        Assert.Equal(1, ls.ExitCode);
        Assert.Contains("Unauthenticated", ls.Error);

        await stop.CancelAsync();
        Assert.Equal(0, await serving);
    }

    [Fact]
    public async Task Serve_on_a_public_address_without_tokens_is_refused()
    {
        var serve = await CliRunner.RunAsync("serve", "--store", _store, "--port", "0", "--bind", "0.0.0.0");
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("token", serve.Error);
    }

    [Fact]
    public async Task Demo_writes_the_result_its_sidecar_and_both_waterfalls()
    {
        string output = PathOf("demo-out");
        var demo = await CliRunner.RunAsync("demo", "--out", output, "--store", _store, "--channels", "32", "--seconds", "4");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("reduction:  10.0x", demo.Out);

        var (shape, _, values) = NpyFile.Read(Path.Combine(output, "result.npy"));
        Assert.Equal([32L, 400L], shape);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "result.json")));
        Assert.Equal("demo", json.RootElement.GetProperty("array").GetString());
        foreach (string png in new[] { "raw.png", "reduced.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(output, png));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        // A second run reuses the stored array instead of writing it again.
        var again = await CliRunner.RunAsync("demo", "--out", output, "--store", _store, "--channels", "32", "--seconds", "4");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("creating", again.Out);
        Assert.Equal(["demo"], new Resif.Gpu.Storage.ArrayStore(_store).List());
    }
}
