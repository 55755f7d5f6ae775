using Resif.Gpu.Core.Operations;
using Resif.Gpu.Testing;

namespace Resif.Gpu.Core.Tests.Spectral;

/// <summary>Layouts, random data and operation runs shared by the spectral tests.</summary>
internal static class SpectralTestData
{
    public static TensorLayout Layout(long channels, long samples, double dx, double dt, string distanceUnits = "m") =>
        new(["distance", "time"], [channels, samples],
            [new Coordinate("distance", distanceUnits, channels, 0, dx), new Coordinate("time", "s", samples, 0, dt)], "strain");

    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    public static IOperation Create(string spec) => OperationRegistry.Default.Create(OperationRequest.Parse(spec, 0), 0);

    /// <summary>Plans and runs one operation on the CPU backend, checking the result has the planned layout.</summary>
    public static Block Run(string spec, TensorLayout layout, float[] data)
    {
        var operation = Create(spec);
        var planned = operation.Plan(layout);
        using var backend = new CpuBackend();
        var result = operation.Run(new Block(layout, data), backend);
        Assert.Equal(planned.Dims, result.Layout.Dims);
        Assert.Equal(planned.Shape, result.Layout.Shape);
        Assert.Equal(planned.Coords, result.Layout.Coords);
        Assert.Equal((planned.Units, planned.Type), (result.Layout.Units, result.Layout.Type));
        return result;
    }

    public static float[] Numpy(float[] x, long[] shape, string body) => Python.Apply(x, shape, body);

    /// <summary>max |a − b| / max |b|: errors relative to the signal scale (float32 outputs).</summary>
    public static double RelativeMaxError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(actual[i] - expected[i]));
        }
        return error / Math.Max(scale, double.Epsilon);
    }
}
