namespace Resif.Gpu.Testing;

/// <summary>Where the repository and the shared conformance data are, wherever the tests run from.</summary>
public static class TestPaths
{
    /// <summary>The folder holding Resif.Gpu.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// <c>../shared/conformance</c> beside the repository (as CI lays it out), or RESIF_CONFORMANCE_DIR.
    /// Tests fail loudly when it is missing: conformance is not optional.
    /// </summary>
    public static string Conformance
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("RESIF_CONFORMANCE_DIR");
            string path = fromEnv ?? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "conformance"));
            return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"conformance data not found at {path} (set RESIF_CONFORMANCE_DIR)");
        }
    }

    public static string ConformanceFile(params string[] parts) => Path.Combine([Conformance, .. parts]);

    /// <summary>A fresh empty folder under the system temp folder, for one test.</summary>
    public static string NewTempDirectory(string prefix = "resif-test")
    {
        string path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Resif.Gpu.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Resif.Gpu.sln not found above " + AppContext.BaseDirectory);
    }
}
