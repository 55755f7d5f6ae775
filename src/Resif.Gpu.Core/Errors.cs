namespace Resif.Gpu.Core;

/// <summary>A request is wrong: <see cref="Field"/> names what the user should fix (e.g. "operations[0].freqmax").</summary>
public class InvalidRequestException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;

    public string Reason { get; } = message;
}

/// <summary>The named array does not exist (or the caller may not see it).</summary>
public sealed class ArrayNotFoundException(string name) : Exception($"array '{name}' not found")
{
    public string ArrayName { get; } = name;
}

/// <summary>Stored data is damaged or unreadable: never answer with wrong numbers.</summary>
public sealed class DataCorruptionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The result would exceed the output budget.</summary>
public sealed class OutputBudgetExceededException(long bytes, long budget)
    : Exception($"result would be {bytes} bytes, over the budget of {budget} bytes: reduce further (decimate, select fewer channels or a shorter window)")
{
    public long Bytes { get; } = bytes;

    public long Budget { get; } = budget;
}
