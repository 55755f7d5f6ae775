namespace Resif.Gpu.Core.Operations.Filters.Internal;

/// <summary>The time dimension (the last one) of a float32 layout, as filter operations need it.</summary>
internal static class TimeAxis
{
    /// <summary>The operation's own field name ("operations[i]"), for errors that are not about one parameter.</summary>
    public static string OperationField(ParameterSet parameters) => parameters.Field("").TrimEnd('.');

    /// <summary>Samples per row and sampling rate (1 / step of the last coordinate), or an error naming the operation.</summary>
    public static (int Samples, double SamplingRate) Of(TensorLayout layout, ParameterSet parameters, string operation)
    {
        string field = OperationField(parameters);
        if (layout.Type != ElementType.Float32) throw new InvalidRequestException(field, $"{operation} needs real (float32) data, got {layout.Type}");
        if (layout.Shape.Count < 1 || layout.Coords.Count != layout.Shape.Count) throw new InvalidRequestException(field, $"{operation} needs a time dimension");
        var time = layout.Coords[^1];
        if (!time.IsRegular || !(time.Step > 0) || !double.IsFinite(time.Step))
            throw new InvalidRequestException(field, $"{operation} needs regularly sampled '{time.Dim}' (last dimension), step {time.Step}");
        long samples = layout.Shape[^1];
        if (samples > int.MaxValue) throw new InvalidRequestException(field, $"{samples} samples per channel is more than one block can hold");
        return ((int)samples, 1 / time.Step);
    }
}
