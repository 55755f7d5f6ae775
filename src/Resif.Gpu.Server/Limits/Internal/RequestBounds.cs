using System.Globalization;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Server.Limits.Internal;

/// <summary>
/// Checks the parameters that size a request's working memory (FFT sizes, slowness grids, window counts) against
/// <see cref="ServerLimits"/>, on the layout each operation actually receives, before any data is read.
/// </summary>
internal static class RequestBounds
{
    public static void Check(ReductionRequest request, ArrayInfo source, OperationRegistry registry, ServerLimits limits)
    {
        if (request.Operations.Count > limits.MaxPipelineLength)
            throw new InvalidRequestException("operations", $"{request.Operations.Count} operations, at most {limits.MaxPipelineLength} are allowed");
        var layout = request.Selection.Resolve(source.Layout).Apply(source.Layout);
        for (int i = 0; i < request.Operations.Count; i++)
        {
            var operation = registry.Create(request.Operations[i], i);
            CheckOperation(operation, layout, $"operations[{i}]", limits);
            layout = operation.Plan(layout);
        }
    }

    private static void CheckOperation(IOperation operation, TensorLayout input, string field, ServerLimits limits)
    {
        var p = operation.Parameters;
        double duration = input.IndexOf("time") is var t and >= 0 ? input.Shape[t] * input.Coords[t].Step : 0; // no time axis: the operation itself refuses it
        switch (operation.Name)
        {
            case "fk" or "fkfilter":
                Require(input.ElementCount, limits.MaxFftPoints, field, "FFT points (channels x samples of its input)");
                break;
            case "beam":
                Require(Number(p, "ns"), limits.MaxSlownessCount, $"{field}.ns", "slownesses");
                Require(duration / Number(p, "window"), limits.MaxWindowCount, $"{field}.window", "windows");
                break;
            case "rms":
                Require(duration / Number(p, "window"), limits.MaxWindowCount, $"{field}.window", "windows");
                break;
            case "arraybeam":
                double step = Number(p, "sl_s");
                double cells = (Math.Floor((Number(p, "slm_x") - Number(p, "sll_x")) / step) + 1) * (Math.Floor((Number(p, "slm_y") - Number(p, "sll_y")) / step) + 1);
                Require(cells, limits.MaxSlownessGridCells, $"{field}.sl_s", "slowness grid cells");
                Require(duration / (Number(p, "win_len") * Number(p, "win_frac")), limits.MaxWindowCount, $"{field}.win_frac", "windows");
                break;
        }
    }

    private static double Number(IReadOnlyDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;

    /// <summary>Refuses counts over the limit; NaN or infinite counts (zero or absurd steps) are refused too.</summary>
    private static void Require(double count, long limit, string field, string what)
    {
        // Said in the user's terms: "Infinity windows" would not tell them which value is wrong.
        if (!double.IsFinite(count)) throw new InvalidRequestException(field, $"must be greater than 0 (a zero step would need unbounded {what})");
        if (!(count <= limit)) throw new InvalidRequestException(field, $"would need {count:G4} {what}, this server allows at most {limit}");
    }
}
