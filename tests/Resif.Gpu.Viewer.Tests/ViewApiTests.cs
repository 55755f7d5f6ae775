using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Resif.Gpu.Cli.Internal;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Testing;
using Resif.Gpu.Viewer.Tests.Support;

namespace Resif.Gpu.Viewer.Tests;

/// <summary>The viewer's HTTP endpoints, compared with NumPy/SciPy computing the same picture from the raw samples.</summary>
public sealed class ViewApiTests(ViewerServer fixture) : IClassFixture<ViewerServer>
{
    // The screen reduction written independently in NumPy: cell of row i = floor(i * cells / rows), each cell keeps
    // its sample of largest |x| with its sign.
    private const string PeakGridPython = """
        def peak_grid(a, max_rows, max_columns):
            rows, columns = min(a.shape[0], max_rows), min(a.shape[1], max_columns)
            row_cell = np.arange(a.shape[0]) * rows // a.shape[0]
            column_cell = np.arange(a.shape[1]) * columns // a.shape[1]
            out = np.zeros((rows, columns))
            for i in range(rows):
                band = a[row_cell == i]
                for j in range(columns):
                    cell = band[:, column_cell == j]
                    out[i, j] = cell.flat[np.argmax(np.abs(cell))]
            return out

        """;

    private static readonly long[] SceneShape = [ViewerServer.Scene.Channels, ViewerServer.Scene.Samples];

    [Fact]
    public async Task Catalog_describes_the_array_as_the_scene_defines_it()
    {
        var arrays = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/arrays");
        var demo = arrays.EnumerateArray().Single(a => a.GetProperty("name").GetString() == ViewerServer.ArrayName);
        var scene = ViewerServer.Scene;
        Assert.Equal([scene.Channels, scene.Samples], demo.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(scene.Seconds, demo.GetProperty("durationSeconds").GetDouble(), 9);
        Assert.Equal(scene.SamplingRate, demo.GetProperty("samplingRate").GetDouble(), 9);
        Assert.Equal((scene.Channels - 1) * scene.ChannelSpacing, demo.GetProperty("channelLast").GetDouble(), 9);
        Assert.Equal("strain_rate", demo.GetProperty("units").GetString());
        Assert.Equal(scene.Channels * scene.Samples * 4L, demo.GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task Raw_view_is_the_peak_of_each_screen_cell_and_strides_channels_beyond_the_pixel_rows()
    {
        // 80 channels on 40 pixel rows: the server reads every 2nd channel; 2000 samples shrink to 300 columns.
        var view = await View(new { array = "demo", channels = new { start = 10, stop = 90 }, time = new { start = 1.0, end = 5.0 }, width = 300, height = 40 });
        Assert.Equal(2, view.Header.GetProperty("selection").GetProperty("channelStep").GetInt64());
        Assert.Equal((40, 300), (view.Rows, view.Columns));

        var expected = Python.Apply(ViewerServer.Data, SceneShape, PeakGridPython + "y = peak_grid(x[10:90:2, 500:2500], 40, 300)");
        // Peaks are samples picked, not computed: they must be the same float32 values.
        Assert.Equal(expected, view.Values);
    }

    [Fact]
    public async Task Bandpass_view_matches_scipy_sosfilt_on_the_window_then_the_peak_grid()
    {
        var view = await View(new
        {
            array = "demo", time = new { start = 1.0, end = 5.0 }, width = 250, height = 96,
            operations = new[] { new { name = "bandpass", parameters = new Dictionary<string, object> { ["freqmin"] = 2, ["freqmax"] = "20" } } },
        });
        var expected = Python.Apply(ViewerServer.Data, SceneShape, PeakGridPython + """
            sos = signal.butter(4, [2, 20], 'bandpass', fs=500, output='sos')
            y = peak_grid(signal.sosfilt(sos, x[:, 500:2500], axis=-1), 96, 250)
            """);
        // float32 cascade vs float64 SciPy: 1e-4 of the peak covers the rounding of 2000 recursive steps.
        float tolerance = 1e-4f * expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - view.Values[i]) <= tolerance, $"cell {i}: {view.Values[i]} vs {expected[i]}");
    }

    [Fact]
    public async Task Copy_as_Python_and_copy_as_CLI_fetch_the_tensor_the_view_was_drawn_from()
    {
        var view = await View(new
        {
            array = "demo", channels = new { start = 4, stop = 60 }, time = new { start = 0.5, end = 2.5 }, width = 200, height = 56,
            operations = new[] { new { name = "highpass", parameters = new Dictionary<string, object> { ["freq"] = 5 } } },
        });
        string python = view.Header.GetProperty("python").GetString()!;
        string cli = view.Header.GetProperty("cli").GetString()!;
        Assert.Contains(fixture.Server.Url, python);
        Assert.Contains(fixture.Server.Url, cli);

        string dir = TestPaths.NewTempDirectory("resif-viewer");
        try
        {
            // The snippet as the page shows it, run by the Python client against the gRPC port.
            Python.Run($"import sys\nsys.path.insert(0, {JsonSerializer.Serialize(Path.Combine(TestPaths.RepoRoot, "clients", "python"))})\n" +
                $"import numpy as np\n{python}\nnp.save('python.npy', np.asarray(result, dtype=np.float32))\n", dir);
            var fromPython = NpyFile.Read(Path.Combine(dir, "python.npy"));

            string[] words = cli.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("resif-gpu", words[0]);
            string output = Path.Combine(dir, "view.npy");
            var args = words.Skip(1).Select(w => w == "view.npy" ? output : w.Trim('\'')).ToArray();
            Assert.Equal(0, await CliApp.RunAsync(args, TextWriter.Null, TextWriter.Null));
            var fromCli = NpyFile.Read(output);

            Assert.Equal(fromPython.Shape, fromCli.Shape);
            Assert.Equal(fromPython.Values, fromCli.Values);
            // And the view is that tensor shrunk to the canvas (computed by NumPy from the client's copy).
            var grid = Python.Apply(fromPython.Values, fromPython.Shape, PeakGridPython + "y = peak_grid(x, 56, 200)");
            Assert.Equal(grid, view.Values);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"array":"demo","width":100,"height":50,"operations":[{"name":"bandpass","parameters":{"freqmin":2,"freqmax":400}}]}""", HttpStatusCode.BadRequest, "operations[0].freqmax")]
    [InlineData("""{"array":"demo","width":0,"height":50}""", HttpStatusCode.BadRequest, "width")]
    [InlineData("""{"array":"demo","width":100,"height":50,"time":{"start":9,"end":10}}""", HttpStatusCode.BadRequest, "selection.time.start")]
    [InlineData("""{"array":"demo","width":100,"height":50,"operations":[{"name":"nosuch"}]}""", HttpStatusCode.BadRequest, "operations[0].name")]
    [InlineData("""{"array":"missing","width":100,"height":50}""", HttpStatusCode.NotFound, "array")]
    [InlineData("""{"array":""", HttpStatusCode.BadRequest, "body")]
    public async Task Bad_requests_answer_the_field_to_fix(string body, HttpStatusCode status, string field)
    {
        using var response = await fixture.Http.PostAsync("/api/view", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task The_page_and_its_assets_are_served()
    {
        string page = await fixture.Http.GetStringAsync("/");
        Assert.Contains("/assets/viewer.js", page);
        Assert.Contains("/api/view", await fixture.Http.GetStringAsync("/assets/viewer.js"));
        using var missing = await fixture.Http.GetAsync("/assets/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<ViewAnswer> View(object request)
    {
        using var response = await fixture.Http.PostAsJsonAsync("/api/view", request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return ViewAnswer.Parse(await response.Content.ReadAsByteArrayAsync());
    }
}

/// <summary>With a token configured, data needs it; the page itself loads so that it can ask for it.</summary>
public sealed class ViewTokenTests(TokenViewerServer fixture) : IClassFixture<TokenViewerServer>
{
    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("Bearer wrong", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer " + TokenViewerServer.Token, HttpStatusCode.OK)]
    public async Task Catalog_needs_the_token(string? authorization, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/arrays");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Unauthorized) Assert.Equal("token", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Arrays_outside_a_users_rights_are_invisible()
    {
        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/arrays");
        list.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TokenViewerServer.OutsiderToken);
        using var listed = await fixture.Http.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(0, (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength());

        using var view = new HttpRequestMessage(HttpMethod.Post, "/api/view")
        {
            Content = new StringContent("""{"array":"demo","width":100,"height":50}""", Encoding.UTF8, "application/json"),
        };
        view.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TokenViewerServer.OutsiderToken);
        using var viewed = await fixture.Http.SendAsync(view);
        Assert.Equal(HttpStatusCode.NotFound, viewed.StatusCode);
    }

    [Fact]
    public async Task Page_loads_without_the_token()
    {
        using var response = await fixture.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
