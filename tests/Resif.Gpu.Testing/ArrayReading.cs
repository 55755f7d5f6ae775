using Resif.Gpu.Core;

namespace Resif.Gpu.Testing;

public static class ArrayReading
{
    /// <summary>Every value of a stored [channel, time] array, C order, through the store's own read path.</summary>
    public static float[] ReadAll(IArrayStore store, string name)
    {
        using var source = store.Open(name);
        var shape = source.Info.Layout.Shape;
        var values = new float[shape[0] * shape[1]];
        source.Read(0, shape[0], 1, 0, shape[1], values);
        return values;
    }
}
