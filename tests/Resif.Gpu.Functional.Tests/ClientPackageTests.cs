using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Resif.Gpu.Testing;
using Xunit;

namespace Resif.Gpu.Functional.Tests;

/// <summary>
/// `dotnet pack src/Resif.Gpu.Client` must give a package a C# user can restore from a feed on its own: every assembly
/// it needs from this repository inside it, only published packages as dependencies, and the metadata a feed shows.
/// </summary>
public sealed class ClientPackageTests
{
    [Fact]
    public async Task The_client_package_is_self_contained_and_described()
    {
        string output = TestPaths.NewTempDirectory("resif-pack");
        try
        {
            // --no-build: this test project already built the client in the same configuration.
            string configuration = typeof(ClientPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            string project = Path.Combine(TestPaths.RepoRoot, "src", "Resif.Gpu.Client", "Resif.Gpu.Client.csproj");
            var (exitCode, log) = await RunAsync("dotnet", "pack", project, "--no-build", "-c", configuration, "-o", output, "--nologo");
            Assert.True(exitCode == 0, log);

            string package = Assert.Single(Directory.GetFiles(output, "Resif.Gpu.Client.*.nupkg"));
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            var root = XDocument.Load(nuspec).Root!;
            XNamespace ns = root.Name.Namespace;
            var metadata = root.Element(ns + "metadata")!;

            Assert.Equal("Resif.Gpu.Client", metadata.Element(ns + "id")?.Value);
            Assert.NotEqual("Resif.Gpu.Client", metadata.Element(ns + "authors")?.Value); // the SDK's placeholder
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
            Assert.Contains(metadata.Element(ns + "readme")?.Value ?? "(none)", entries);

            var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
            // A repository project as a dependency would point at a package nobody publishes: it must ship in lib/.
            Assert.DoesNotContain(dependencies, id => id.StartsWith("Resif.Gpu.", StringComparison.Ordinal));
            Assert.Contains("lib/net10.0/Resif.Gpu.Client.dll", entries);
            Assert.Contains("lib/net10.0/Resif.Gpu.Protocol.dll", entries);
            // The contract's own runtime dependencies then have to be declared by the client package.
            Assert.Contains("Google.Protobuf", dependencies);
            Assert.Contains("Grpc.Net.Client", dependencies);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
