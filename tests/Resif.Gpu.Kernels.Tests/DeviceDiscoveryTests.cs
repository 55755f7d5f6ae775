using Resif.Gpu.Core;
using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels.Tests;

public sealed class DeviceDiscoveryTests
{
    [Fact]
    public void Lists_the_cpu_backend_and_the_ilgpu_emulator_as_usable()
    {
        var devices = TestDevices.Provider.Devices;
        Assert.Contains(devices, d => d is { Id: "cpu", Kind: "cpu", Usable: true });
        ComputeDevice emulator = Assert.Single(devices, d => d.Kind == "ilgpu-cpu");
        Assert.True(emulator.Usable);
        Assert.Contains("slow", emulator.Reason);
    }

    [Fact]
    public void Every_device_kind_is_listed_and_every_unusable_device_says_why()
    {
        var devices = TestDevices.Provider.Devices;
        foreach (string kind in new[] { "cpu", "ilgpu-cpu", "cuda", "opencl" }) Assert.Contains(devices, d => d.Kind == kind);
        Assert.All(devices.Where(d => !d.Usable), d => Assert.False(string.IsNullOrWhiteSpace(d.Reason), $"{d.Id} gives no reason"));
        Assert.Equal(devices.Count, devices.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void Without_a_cuda_driver_cuda_is_listed_unusable_and_names_the_missing_library()
    {
        if (NativeDriverLibraries.CanLoad(NativeDriverLibraries.CudaDriver)) return; // a driver is present: covered by the CUDA suite
        ComputeDevice cuda = Assert.Single(TestDevices.Provider.Devices, d => d.Kind == "cuda");
        Assert.False(cuda.Usable);
        Assert.Contains("libcuda.so.1", cuda.Reason);
    }

    [Fact]
    public void Pocl_cpu_devices_are_skipped_for_lacking_the_generic_address_space()
    {
        var pocl = TestDevices.Provider.Devices.Where(d => d.Kind == "opencl" && d.Name.Contains("Portable Computing Language")).ToArray();
        // run-tests.sh installs Debian's PoCL, so where its ICD is registered the device must have been found.
        if (File.Exists("/etc/OpenCL/vendors/pocl.icd")) Assert.NotEmpty(pocl);
        Assert.All(pocl, d =>
        {
            Assert.False(d.Usable);
            Assert.Contains("generic address space", d.Reason);
        });
    }

    [Fact]
    public void Asking_for_an_unusable_device_is_an_invalid_request_naming_the_device_field()
    {
        foreach (ComputeDevice unusable in TestDevices.Provider.Devices.Where(d => !d.Usable))
        {
            var error = Assert.Throws<InvalidRequestException>(() => TestDevices.Provider.Create(unusable.Id));
            Assert.Equal("device", error.Field);
            Assert.Contains(unusable.Reason, error.Reason);
        }
    }

    [Fact]
    public void Unknown_devices_are_refused_with_the_known_ones_listed()
    {
        var error = Assert.Throws<InvalidRequestException>(() => TestDevices.Provider.Create("tpu:3"));
        Assert.Equal("device", error.Field);
        Assert.Contains("ilgpu-cpu", error.Reason);
    }

    [Fact]
    public void Auto_prefers_cuda_then_opencl_then_the_cpu_backend()
    {
        var devices = TestDevices.Provider.Devices;
        using IBackend backend = TestDevices.Provider.Create("auto");
        string expected = devices.Any(d => d is { Kind: "cuda", Usable: true }) ? "ilgpu-cuda"
            : devices.Any(d => d is { Kind: "opencl", Usable: true }) ? "ilgpu-opencl"
            : "cpu-vector";
        Assert.Equal(expected, backend.Name);
    }

    [Fact]
    public void Named_kinds_open_their_backend()
    {
        using IBackend cpu = TestDevices.Provider.Create("cpu");
        Assert.IsType<CpuBackend>(cpu);
        using IBackend emulator = TestDevices.Provider.Create("ilgpu-cpu");
        Assert.Equal("ilgpu-cpu", emulator.Name);
        Assert.Contains("CPU", emulator.Device);
    }

    [Fact]
    public void A_device_that_fails_to_start_is_refused_then_listed_unusable_and_auto_still_answers()
    {
        var logged = new List<string>();
        var provider = new IlgpuBackendProvider(logged.Add, device => device.Kind == "cpu"
            ? new CpuBackend()
            : throw new InvalidOperationException("simulated launch failure"));

        var error = Assert.Throws<InvalidRequestException>(() => provider.Create("ilgpu-cpu"));
        Assert.Equal("device", error.Field);
        Assert.Contains("simulated launch failure", error.Reason);
        ComputeDevice listed = Assert.Single(provider.Devices, d => d.Id == "ilgpu-cpu");
        Assert.False(listed.Usable);
        Assert.Contains("failed to start", listed.Reason);
        Assert.Contains(logged, line => line.Contains("ilgpu-cpu") && line.Contains("simulated launch failure"));

        using IBackend fallback = provider.Create("auto");
        Assert.Equal("cpu-vector", fallback.Name);
    }
}
