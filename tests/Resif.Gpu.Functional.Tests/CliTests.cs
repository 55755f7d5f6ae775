using Resif.Gpu.Core.IO;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

public sealed class CliTests : IAsyncLifetime
{
    private RunningServer _server = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync();
        _dir = TestPaths.NewTempDirectory("resif-cli");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("ls", "--colour", "red")]
    [InlineData("ls")]
    [InlineData("ls", "--store", "a", "--server", "http://b")]
    [InlineData("info", "--store", "x")]
    [InlineData("reduce", "demo", "--server")]
    [InlineData("reduce", "demo", "--server", "http://localhost:1", "--op", "scale:factor=1")]
    [InlineData("reduce", "demo", "--server", "http://localhost:1", "--out", "x.npy", "--channels", "1-3")]
    [InlineData("reduce", "demo", "--server", "http://localhost:1", "--out", "x.npy", "--device", "cpu")]
    [InlineData("devices", "extra")]
    [InlineData("serve", "--store", "s", "--port", "http")]
    [InlineData("serve", "--store", "s", "--otlp-endpoint", "localhost:4317")]
    [InlineData("serve", "--store", "s", "--log-level", "loud")]
    [InlineData("serve", "--port", "0")]
    public async Task Usage_errors_exit_2_with_one_line_on_stderr(params string[] args)
    {
        var outcome = await CliRunner.RunAsync(args);
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Single(outcome.Error.TrimEnd().Split('\n'));
        Assert.Empty(outcome.Out);
    }

    [Fact]
    public async Task No_arguments_prints_the_overview_and_exits_2_but_help_exits_0()
    {
        var none = await CliRunner.RunAsync();
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("reduce", none.Error);

        foreach (string command in new[] { "demo", "serve", "ingest", "ls", "info", "reduce", "export", "devices" })
        {
            var help = await CliRunner.RunAsync(command, "--help");
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.StartsWith($"usage: resif-gpu {command}", help.Out);
        }
    }

    [Fact]
    public async Task Ls_and_info_against_a_server()
    {
        var ls = await CliRunner.RunAsync("ls", "--server", _server.Server.Url);
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Contains("demo", ls.Out);
        Assert.Contains("40 channel x 2000 time", ls.Out);

        var info = await CliRunner.RunAsync("info", "demo", "--server", _server.Server.Url, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(info.Out);
        Assert.Equal("demo", json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task User_errors_exit_1_with_the_status_and_no_stack_trace()
    {
        var missing = await CliRunner.RunAsync("info", "nope", "--server", _server.Server.Url);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("resif-gpu info: server answered NotFound: array 'nope' not found", missing.Error.TrimEnd());

        var badOp = await CliRunner.RunAsync("reduce", "demo", "--server", _server.Server.Url, "--op", "scale:factor=x", "--out", Path.Combine(_dir, "r.npy"));
        Assert.Equal(1, badOp.ExitCode);
        Assert.Contains("InvalidArgument: operations[0].factor:", badOp.Error);
        Assert.Single(badOp.Error.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "r.npy")));
    }

    [Fact]
    public async Task Reduce_against_a_server_writes_npy_readable_by_numpy_and_a_json_sidecar()
    {
        string output = Path.Combine(_dir, "r.npy");
        var outcome = await CliRunner.RunAsync("reduce", "demo", "--server", _server.Server.Url, "--op", "scale:factor=2,every=4",
            "--channels", "10:20:5", "--time", "1:", "--out", output);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        // NumPy reads the file back and does the same selection itself on the generated scene.
        string raw = Path.Combine(_dir, "raw.npy");
        NpyFile.Write(raw, [40, 2000], _server.SceneData);
        string check = Python.Run(
            "import numpy as np, json\n" +
            "r = np.load('r.npy'); raw = np.load('raw.npy')\n" +
            "expected = 2 * raw[10:20:5, 500::4]\n" +
            "meta = json.load(open('r.json'))\n" +
            "assert r.dtype == np.float32 and r.flags['C_CONTIGUOUS'], r.dtype\n" +
            "assert list(r.shape) == meta['shape'] == [2, 375], (r.shape, meta['shape'])\n" +
            "assert meta['dims'] == ['channel', 'time'] and meta['dtype'] == 'float32'\n" +
            "assert meta['coords'][1]['start'] == 1.0 and abs(meta['coords'][1]['step'] - 0.008) < 1e-15\n" +
            "assert [p['name'] for p in meta['provenance']] == ['select', 'scale']\n" +
            "print(np.array_equal(r, expected.astype(np.float32)))\n", _dir);
        Assert.Equal("True", check.Trim());
    }
}
