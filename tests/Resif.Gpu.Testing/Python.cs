using System.Diagnostics;
using Resif.Gpu.Core.IO;

namespace Resif.Gpu.Testing;

/// <summary>
/// Runs Debian's /usr/bin/python3 (NumPy/SciPy) at test time so results are compared with an independent
/// reference, or RESIF_PYTHON where that names another interpreter with NumPy and SciPy (a GPU machine's image
/// keeps them in a virtual environment). Arrays travel as .npy files in a temp folder.
/// </summary>
public static class Python
{
    public static string Executable { get; } = Environment.GetEnvironmentVariable("RESIF_PYTHON") is { Length: > 0 } python
        ? python
        : "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with the given working directory; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string script, string workingDirectory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python3 reference script timed out");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"python3 failed ({process.ExitCode}):\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>
    /// Writes <paramref name="input"/> as x.npy, runs a script that must save y.npy, and returns y (float32).
    /// The script sees numpy as np, scipy.signal as signal, and x loaded as float64.
    /// </summary>
    public static float[] Apply(float[] input, long[] shape, string body)
    {
        string dir = TestPaths.NewTempDirectory("resif-py");
        try
        {
            NpyFile.Write(Path.Combine(dir, "x.npy"), shape, input);
            Run("import numpy as np\nfrom scipy import signal\nx = np.load('x.npy').astype(np.float64)\n" + body +
                "\nnp.save('y.npy', np.ascontiguousarray(y, dtype=np.float32))\n", dir);
            return NpyFile.Read(Path.Combine(dir, "y.npy")).Values;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
