using System.Globalization;

namespace Resif.Gpu.Cli.Internal;

/// <summary>The command line is wrong (unknown command or flag, missing value): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What a command accepts: positional arguments, options taking a value (repeatable ones too) and plain flags.</summary>
internal sealed record CommandSpec(string Name, string Summary, string Usage, IReadOnlyList<string> Positionals,
    IReadOnlyList<string> ValueOptions, IReadOnlyList<string> Flags, IReadOnlyList<string>? RepeatableOptions = null,
    bool LastPositionalRepeats = false);

/// <summary>Parsed command line of one command. Options are "--name value" or "--name=value".</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];

    private Arguments(string command) => Command = command;

    public string Command { get; }

    public bool HelpRequested => _flags.Contains("--help");

    public static Arguments Parse(CommandSpec spec, IReadOnlyList<string> args)
    {
        var parsed = new Arguments(spec.Name);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                parsed._flags.Add("--help");
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                parsed._positionals.Add(arg);
                continue;
            }
            int eq = arg.IndexOf('=');
            string name = eq > 0 ? arg[..eq] : arg;
            if (spec.Flags.Contains(name))
            {
                if (eq > 0) throw new UsageException($"{name} takes no value");
                parsed._flags.Add(name);
            }
            else if (spec.ValueOptions.Contains(name) || spec.RepeatableOptions?.Contains(name) == true)
            {
                string value = eq > 0 ? arg[(eq + 1)..]
                    : i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i]
                    : throw new UsageException($"{name} needs a value");
                if (!parsed._values.TryGetValue(name, out var list)) parsed._values[name] = list = [];
                if (list.Count > 0 && spec.RepeatableOptions?.Contains(name) != true) throw new UsageException($"{name} given twice");
                list.Add(value);
            }
            else
            {
                throw new UsageException($"unknown option '{name}' for '{spec.Name}'");
            }
        }
        bool countOk = spec.LastPositionalRepeats
            ? parsed._positionals.Count >= spec.Positionals.Count
            : parsed._positionals.Count == spec.Positionals.Count;
        if (!parsed.HelpRequested && !countOk)
        {
            throw new UsageException(parsed._positionals.Count < spec.Positionals.Count
                ? $"missing {spec.Positionals[parsed._positionals.Count]}"
                : $"unexpected argument '{parsed._positionals[spec.Positionals.Count]}'");
        }
        return parsed;
    }

    public string Positional(int index) => _positionals[index];

    /// <summary>Every positional argument from <paramref name="first"/> on (for a last positional that repeats).</summary>
    public IReadOnlyList<string> PositionalsFrom(int first) => _positionals.Skip(first).ToArray();

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[0] : null;

    public string Required(string name) => Value(name) ?? throw new UsageException($"{name} is required");

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int? Int(string name) => Value(name) is { } text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new UsageException($"{name}: '{text}' is not an integer")
        : null;

    public double? Double(string name) => Value(name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new UsageException($"{name}: '{text}' is not a number")
        : null;

    /// <summary>Exactly one of --store DIR / --server URL.</summary>
    public (string? Store, string? Server) StoreOrServer()
    {
        string? store = Value("--store"), server = Value("--server");
        if ((store is null) == (server is null)) throw new UsageException("give exactly one of --store DIR or --server URL");
        return (store, server);
    }
}
