using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Server;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// resif-gpu reduce output formats: NetCDF read back by xarray (Debian's, through scipy) and compared with the .npy +
/// .json of the same reduction; wire dtypes and zstd asked by the CLI, checked with NumPy.
/// </summary>
public sealed class CliOutputFormatTests : IAsyncLifetime
{
    private readonly string _dir = TestPaths.NewTempDirectory("resif-cli-formats");
    private readonly SyntheticScene _scene = SyntheticScenes.Demo(channels: 16, seconds: 4, samplingRate: 500);
    private string _store = null!;
    private ResifServer _server = null!;

    public async Task InitializeAsync()
    {
        _store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(_store);
        await CliRunner.IngestSceneAsync(_scene, _dir, _store, "das", "--dt", "0.002", "--dx", "4",
            "--t0", "2024-05-06T07:08:09.25Z", "--units", "strain_rate");
        _server = await ResifServer.StartAsync(new ResifServerOptions { StorePath = _store, Device = "cpu" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private async Task ReduceAsync(params string[] args)
    {
        var outcome = await CliRunner.RunAsync(["reduce", "das", .. args]);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    /// <summary>Python that loads nc with xarray and npy (+ its .json), and checks what the .nc must say.</summary>
    private const string CompareNetCdfWithNpy = """
        import json
        import numpy as np, xarray as xr
        meta = json.load(open(npy[:-4] + '.json'))
        expected = np.load(npy)
        ds = xr.open_dataset(nc, engine='scipy')
        names = ['real', 'imag'] if np.iscomplexobj(expected) else ['data']
        parts = [expected.real, expected.imag] if np.iscomplexobj(expected) else [expected]
        for name, part in zip(names, parts):
            var = ds[name]
            assert list(var.dims) == meta['dims'], (var.dims, meta['dims'])
            # Same float32 values on both paths, so exact; int16 decodes as int16 * scale_factor, which xarray
            # computes in float32 (scale rounded to float32, then the product): two roundings of 2**-24 each.
            want = part.astype(np.float64) * meta.get('scale_factor', 1.0)
            rtol = 2.0**-22 if 'scale_factor' in meta else 0
            assert np.allclose(var.values.astype(np.float64), want, rtol=rtol, atol=0), np.abs(var.values - want).max()
            assert var.attrs['units'] == meta['units'], var.attrs
        for c in meta['coords']:
            values = np.array(c['values']) if 'values' in c else c['start'] + np.arange(c['length']) * c['step']
            got = ds[c['dim']].values
            if 'labels' in c:
                assert list(got) == c['labels'], (got, c['labels'])
            elif 'origin' in c:
                # Decoded as datetime64 from "seconds since ORIGIN": compare in ns, to 1 us (float64 seconds).
                origin = np.datetime64(c['origin'].replace('+00:00', ''), 'ns')
                assert got.dtype.kind == 'M', got.dtype
                assert np.abs((got - origin).astype(np.int64) - values * 1e9).max() < 1e3
            else:
                assert np.allclose(got, values, rtol=1e-12, atol=0), (c['dim'], got[:3], values[:3])
                assert ds[c['dim']].attrs['units'] == c['units']
        assert json.loads(ds.attrs['provenance']) == meta['provenance'], ds.attrs['provenance']
        assert ds.attrs['array'] == meta['array']
        print('ok', ' '.join(f'{d}={n}' for d, n in ds.sizes.items()))
        """;

    private string Compare(string nc, string npy) => Python.Run($"nc, npy = '{nc}', '{npy}'\n" + CompareNetCdfWithNpy, _dir);

    [Fact]
    public async Task Netcdf_of_a_filtered_decimated_result_reads_in_xarray_like_the_npy()
    {
        string[] pipeline = ["--store", _store, "--op", "bandpass:freqmin=2,freqmax=20", "--op", "decimate:factor=5", "--channels", "2:14", "--time", "0.5:3.5"];
        await ReduceAsync([.. pipeline, "--out", PathOf("r.npy")]);
        await ReduceAsync([.. pipeline, "--out", PathOf("r.nc")]);
        Assert.StartsWith("ok channel=12 time=300", Compare("r.nc", "r.npy"));
    }

    [Fact]
    public async Task Labelled_dims_become_string_coordinates()
    {
        string[] pipeline = ["--store", _store, "--channels", "0:4", "--op",
            "arraybeam:x_km=0;0.5;1;0.2,y_km=0;0.3;-0.4;1,win_len=0.5,sll_x=-1,slm_x=1,sll_y=-1,slm_y=1,sl_s=0.25,frqlow=2,frqhigh=20"];
        await ReduceAsync([.. pipeline, "--out", PathOf("beam.npy")]);
        await ReduceAsync([.. pipeline, "--out", PathOf("beam.nc")]);
        Assert.Contains("\"labels\"", File.ReadAllText(PathOf("beam.json")));
        Assert.StartsWith("ok", Compare("beam.nc", "beam.npy"));
    }

    [Fact]
    public async Task Complex_fk_goes_to_netcdf_as_real_and_imag_variables()
    {
        string[] pipeline = ["--server", _server.Url, "--op", "fk:output=complex", "--dtype", "complex64"];
        await ReduceAsync([.. pipeline, "--out", PathOf("fk.npy")]);
        await ReduceAsync([.. pipeline, "--out", PathOf("fk.nc")]);
        Assert.StartsWith("ok", Compare("fk.nc", "fk.npy"));
    }

    [Fact]
    public async Task Int16_and_float16_from_a_server_with_zstd_are_written_in_that_dtype()
    {
        string[] pipeline = ["--server", _server.Url, "--op", "lowpass:freq=30", "--channels", "0:10"];
        await ReduceAsync([.. pipeline, "--out", PathOf("f32.npy")]);
        await ReduceAsync([.. pipeline, "--dtype", "float16", "--compress", "zstd", "--out", PathOf("f16.npy")]);
        await ReduceAsync([.. pipeline, "--dtype", "int16", "--compress", "zstd", "--out", PathOf("i16.npy")]);
        await ReduceAsync([.. pipeline, "--dtype", "int16", "--int16-scale", "1e-3", "--out", PathOf("i16fixed.npy")]);
        await ReduceAsync([.. pipeline, "--dtype", "int16", "--out", PathOf("i16.nc")]);
        string result = Python.Run("""
            import json
            import numpy as np
            f32, f16, i16, fixed = (np.load(n + '.npy') for n in ('f32', 'f16', 'i16', 'i16fixed'))
            assert f16.dtype == np.float16 and i16.dtype == np.int16 and fixed.dtype == np.int16, (f16.dtype, i16.dtype)
            # float16 is NumPy's round-to-nearest-even of the float32 result.
            assert np.array_equal(f16, f32.astype(np.float16))
            scale = json.load(open('i16.json'))['scale_factor']
            assert json.load(open('i16fixed.json'))['scale_factor'] == 1e-3
            # The server's own scale is max|x|/32767; quantisation error is at most half a step (+ float32 rounding).
            assert abs(scale - np.abs(f32).max() / 32767) <= 1e-6 * scale, scale
            assert np.abs(i16 * scale - f32).max() <= 0.5 * scale * (1 + 1e-5)
            assert np.abs(fixed * 1e-3 - np.clip(f32, -32.767, 32.767)).max() <= 0.5e-3 * (1 + 1e-5)
            print('ok')
            """, _dir);
        Assert.Equal("ok", result.Trim());
        Assert.StartsWith("ok", Compare("i16.nc", "i16.npy"));
    }

    [Theory]
    [InlineData("--server", "--dtype", "float64")]
    [InlineData("--store", "--compress", "zstd")]
    [InlineData("--server", "--compress", "lz4")]
    [InlineData("--server", "--int16-scale", "0.1")]
    [InlineData("--server", "--int16-scale", "-1", "--dtype", "int16")]
    [InlineData("--server", "--plot", "p.png", "--dtype", "float16")]
    public async Task Bad_output_options_are_usage_errors(string access, params string[] options)
    {
        string where = access == "--store" ? _store : _server.Url;
        var outcome = await CliRunner.RunAsync(["reduce", "das", access, where, "--out", PathOf("x.npy"), .. options]);
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains(options[0], outcome.Error);
        Assert.False(File.Exists(PathOf("x.npy")));
    }

    [Fact]
    public async Task Plot_with_a_netcdf_output_is_refused_before_any_work()
    {
        var outcome = await CliRunner.RunAsync("reduce", "das", "--store", _store, "--out", PathOf("x.nc"), "--plot", PathOf("p.png"));
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains("--plot", outcome.Error);
        Assert.False(File.Exists(PathOf("x.nc")));
    }
}
