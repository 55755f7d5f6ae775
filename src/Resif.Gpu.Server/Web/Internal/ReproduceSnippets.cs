using System.Globalization;
using System.Text.Json;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;

namespace Resif.Gpu.Server.Web.Internal;

/// <summary>
/// The Python and CLI calls that fetch, over gRPC, the full-resolution tensor a view was drawn from (same array,
/// resolved channel range and stride, time window and operations).
/// </summary>
internal static class ReproduceSnippets
{
    public static string Python(string grpcUrl, ReductionPlan plan, ViewRequest view)
    {
        var (start, stop, step) = Channels(plan);
        string operations = string.Join(", ", view.Operations.Select(o => PythonString(Spec(o))));
        return $"""
            import resif_gpu
            client = resif_gpu.Client({PythonString(grpcUrl)})
            result = client.reduce({PythonString(view.Array)}, [{operations}], channels=({start}, {stop}, {step}), time=({Seconds(view.TimeStart)}, {Seconds(view.TimeEnd)}))
            """;
    }

    public static string Cli(string grpcUrl, ReductionPlan plan, ViewRequest view)
    {
        var (start, stop, step) = Channels(plan);
        string operations = string.Concat(view.Operations.Select(o => $" --op {ShellWord(Spec(o))}"));
        string time = $"{Seconds(view.TimeStart)}:{(view.TimeEnd == 0 ? "" : Seconds(view.TimeEnd))}";
        return $"resif-gpu reduce {ShellWord(view.Array)} --server {grpcUrl}{operations} --channels {start}:{stop}:{step} --time {time} --out view.npy";
    }

    /// <summary>The CLI/Python syntax name:key=value,... with the parameters the user gave.</summary>
    private static string Spec(OperationRequest operation) => operation.Parameters.Count == 0
        ? operation.Name
        : $"{operation.Name}:{string.Join(",", operation.Parameters.Select(p => $"{p.Key}={p.Value}"))}";

    private static (long Start, long Stop, long Step) Channels(ReductionPlan plan)
    {
        var s = plan.Selection;
        return (s.ChannelStart, s.ChannelStart + (s.ChannelCount - 1) * s.ChannelStep + 1, s.ChannelStep);
    }

    private static string Seconds(double seconds) => seconds.ToString("R", CultureInfo.InvariantCulture);

    // A JSON string literal is a valid Python string literal for the characters JSON escapes.
    private static string PythonString(string text) => JsonSerializer.Serialize(text);

    private static string ShellWord(string word) =>
        word.All(c => char.IsAsciiLetterOrDigit(c) || "-_.:=,/+@".Contains(c)) ? word : $"'{word.Replace("'", "'\\''")}'";
}
