using System.Text.Json;
using Resif.Gpu.Core.IO;
using Resif.Gpu.Core.Synthetic;
using Resif.Gpu.Functional.Tests.Support;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// Issue 6 acceptance: `reduce --device ilgpu-cpu` (the ILGPU kernels on ILGPU's CPU accelerator) writes the same
/// .npy as `--device cpu` (the vectorised C# backend) for every operation, on a small array (the accelerator is an
/// emulator and slow). The two backends share no kernel code, so agreement checks both.
/// </summary>
public sealed class CliDeviceTests : IClassFixture<CliDeviceTests.SmallStore>
{
    /// <summary>
    /// Largest |ilgpu − cpu| allowed, relative to the largest |cpu| value of the result. Both compute in float32 with
    /// float64 coefficients but in a different order (per-thread loops vs SIMD lanes, different FFT radices), which
    /// moves results by a few float32 ulps per stage; 1e-4 of the peak leaves room for ~10 chained stages and still
    /// fails on any real kernel error (a wrong tap, a swapped channel, an off-by-one window).
    /// </summary>
    private const double Tolerance = 1e-4;

    private readonly SmallStore _store;

    public CliDeviceTests(SmallStore store) => _store = store;

    /// <summary>One store with an 8-channel x 2 s array at 1 kHz (plane waves, noise, an event), shared by the cases.</summary>
    public sealed class SmallStore : IDisposable
    {
        public string Directory { get; } = TestPaths.NewTempDirectory("resif-cli-devices");

        public string Store => Path.Combine(Directory, "store");

        public SmallStore()
        {
            System.IO.Directory.CreateDirectory(Store);
            var scene = SyntheticScenes.Demo(channels: 8, seconds: 2, samplingRate: 1000);
            CliRunner.IngestSceneAsync(scene, Directory, Store, "small", "--dt", "0.001", "--dx", "4").GetAwaiter().GetResult();
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }

    public static TheoryData<string, string> EveryOperation() => new()
    {
        { "bandpass:freqmin=2,freqmax=20,corners=4,zerophase=false", "0:8" },
        { "bandpass:freqmin=2,freqmax=20,corners=4,zerophase=true", "0:8" },
        { "bandstop:freqmin=40,freqmax=60,zerophase=true", "0:8" },
        { "lowpass:freq=30,corners=6", "0:8" },
        { "highpass:freq=1,zerophase=true", "0:8" },
        { "decimate:factor=5", "0:8" },
        { "decimate:factor=4,method=fir", "0:8" },
        { "resample:rate=250", "0:8" },
        { "detrend:type=linear", "0:8" },
        { "taper:max_percentage=0.1", "0:8" },
        { "abs", "0:8" },
        { "envelope", "0:8" },
        { "rms:window=0.1", "0:8" },
        { "stalta:sta=0.05,lta=0.5", "0:8" },
        { "normalize:type=max", "0:8" },
        { "fk", "0:8" },
        { "fk:real=true,output=complex", "0:8" },
        { "fkfilter:va=500,vb=1000,vc=4000,vd=6000", "0:8" },
        { "beam:smin=-0.001,smax=0.001,ns=11,window=0.5", "0:8" },
        { "beam:smin=-0.001,smax=0.001,ns=11,window=0.5,method=freq", "0:8" },
        { "beam:smin=-0.001,smax=0.001,ns=11,window=0.25,method=freq,fmin=5,fmax=40", "0:8" },
        { "arraybeam:x_km=0;0.5;1;0.2,y_km=0;0.3;-0.4;1,win_len=0.5,sll_x=-1,slm_x=1,sll_y=-1,slm_y=1,sl_s=0.25,frqlow=2,frqhigh=20", "0:4" },
        { "arraybeam:x_km=0;0.5;1;0.2,y_km=0;0.3;-0.4;1,win_len=0.5,sll_x=-1,slm_x=1,sll_y=-1,slm_y=1,sl_s=0.25,frqlow=2,frqhigh=20,method=capon,prewhiten=true", "0:4" },
    };

    [Theory]
    [MemberData(nameof(EveryOperation))]
    public async Task Ilgpu_cpu_accelerator_writes_the_same_result_as_the_cpu_backend(string operation, string channels)
    {
        string tag = operation.Split(':')[0] + "-" + Math.Abs(operation.GetHashCode(StringComparison.Ordinal));
        var results = new Dictionary<string, (long[] Shape, float[] Values, JsonDocument Sidecar)>();
        foreach (string device in new[] { "cpu", "ilgpu-cpu" })
        {
            string output = Path.Combine(_store.Directory, $"{tag}-{device}.npy");
            var run = await CliRunner.RunAsync("reduce", "small", "--store", _store.Store, "--op", operation, "--channels", channels,
                "--device", device, "--out", output);
            Assert.True(run.ExitCode == 0, run.ToString());
            var (shape, _, values) = NpyFile.Read(output);
            results[device] = (shape, values, JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(output, ".json"))));
        }

        var (cpu, ilgpu) = (results["cpu"], results["ilgpu-cpu"]);
        Assert.Equal(cpu.Shape, ilgpu.Shape);
        double peak = cpu.Values.Max(v => Math.Abs((double)v));
        Assert.True(peak > 0, "the reference result is all zeros: the case checks nothing");
        double worst = cpu.Values.Zip(ilgpu.Values, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.True(worst <= Tolerance * peak, $"{operation}: max |ilgpu - cpu| = {worst:G3}, peak {peak:G3}");

        // Provenance says which backend ran it.
        Assert.Equal("cpu-vector", cpu.Sidecar.RootElement.GetProperty("backend").GetString());
        Assert.Contains("ilgpu-cpu", ilgpu.Sidecar.RootElement.GetProperty("backend").GetString() + " " + ilgpu.Sidecar.RootElement.GetProperty("device").GetString());
    }

    [Fact]
    public async Task Devices_lists_both_cpu_backends_usable_and_says_why_a_gpu_is_not()
    {
        var run = await CliRunner.RunAsync("devices", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToArray();
        bool Usable(JsonElement d) => d.TryGetProperty("usable", out var u) && u.GetBoolean();
        Assert.Contains(devices, d => d.GetProperty("kind").GetString() == "cpu" && Usable(d));
        Assert.Contains(devices, d => d.GetProperty("kind").GetString() == "ilgpu-cpu" && Usable(d));
        // Every unusable device carries its reason (no driver, unsupported OpenCL...), never a blank.
        Assert.All(devices.Where(d => !Usable(d)), d => Assert.False(string.IsNullOrWhiteSpace(d.GetProperty("reason").GetString())));
        // Whether this machine has a CUDA driver decides what must be listed: the truth, either way.
        bool hasDriver = File.Exists("/usr/lib/x86_64-linux-gnu/libcuda.so.1") || File.Exists("/usr/lib64/libcuda.so.1");
        if (!hasDriver) Assert.Contains(devices, d => d.GetProperty("kind").GetString() == "cuda" && !Usable(d));
    }

    [Fact]
    public async Task An_unknown_or_unusable_device_is_a_clear_error()
    {
        var unknown = await CliRunner.RunAsync("reduce", "small", "--store", _store.Store, "--device", "tpu", "--out", Path.Combine(_store.Directory, "x.npy"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown device 'tpu'", unknown.Error);
    }
}
