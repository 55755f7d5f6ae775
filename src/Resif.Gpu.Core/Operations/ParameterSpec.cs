using System.Globalization;

namespace Resif.Gpu.Core.Operations;

public enum ParameterKind
{
    Number,
    Integer,
    Flag,
    Choice,

    /// <summary>A list of finite numbers separated by ';' (commas separate parameters), e.g. station coordinates.</summary>
    Numbers,
}

/// <summary>One parameter of an operation, named as ObsPy/SciPy users know it. <see cref="Default"/> null = required.</summary>
public sealed record ParameterSpec(string Name, ParameterKind Kind, string? Default, string Description, IReadOnlyList<string>? Choices = null)
{
    public static ParameterSpec Number(string name, double? @default, string description) =>
        new(name, ParameterKind.Number, @default?.ToString("R", CultureInfo.InvariantCulture), description);

    public static ParameterSpec Integer(string name, long? @default, string description) =>
        new(name, ParameterKind.Integer, @default?.ToString(CultureInfo.InvariantCulture), description);

    public static ParameterSpec Flag(string name, bool @default, string description) =>
        new(name, ParameterKind.Flag, @default ? "true" : "false", description);

    public static ParameterSpec Choice(string name, string @default, string description, params string[] choices) =>
        new(name, ParameterKind.Choice, @default, description, choices);

    public static ParameterSpec Numbers(string name, string? @default, string description) =>
        new(name, ParameterKind.Numbers, @default, description);
}

/// <summary>
/// Parameter values of one operation, validated against its specs and normalised to invariant strings
/// (which is also what provenance records). Field names in errors look like "operations[2].freqmax".
/// </summary>
public sealed class ParameterSet
{
    private readonly Dictionary<string, string> _values;
    private readonly string _fieldPrefix;

    private ParameterSet(Dictionary<string, string> values, string fieldPrefix)
    {
        _values = values;
        _fieldPrefix = fieldPrefix;
    }

    /// <summary>All parameters, defaults filled in, in spec order.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    public string Field(string name) => $"{_fieldPrefix}.{name}";

    public static ParameterSet Parse(IReadOnlyList<ParameterSpec> specs, IReadOnlyDictionary<string, string> given, string fieldPrefix)
    {
        foreach (var key in given.Keys)
        {
            if (!specs.Any(s => s.Name == key))
            {
                throw new InvalidRequestException($"{fieldPrefix}.{key}",
                    $"unknown parameter; expected one of: {string.Join(", ", specs.Select(s => s.Name))}");
            }
        }
        var values = new Dictionary<string, string>();
        foreach (var spec in specs)
        {
            string field = $"{fieldPrefix}.{spec.Name}";
            if (!given.TryGetValue(spec.Name, out var raw))
            {
                if (spec.Default is null) throw new InvalidRequestException(field, "required parameter is missing");
                values[spec.Name] = spec.Default;
                continue;
            }
            raw = raw.Trim();
            values[spec.Name] = spec.Kind switch
            {
                ParameterKind.Number => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                    ? d.ToString("R", CultureInfo.InvariantCulture)
                    : throw new InvalidRequestException(field, $"'{raw}' is not a finite number"),
                ParameterKind.Integer => long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)
                    ? l.ToString(CultureInfo.InvariantCulture)
                    : throw new InvalidRequestException(field, $"'{raw}' is not an integer"),
                ParameterKind.Flag => raw.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" => "true",
                    "false" or "0" or "no" => "false",
                    _ => throw new InvalidRequestException(field, $"'{raw}' is not true or false"),
                },
                ParameterKind.Choice => spec.Choices!.Contains(raw.ToLowerInvariant())
                    ? raw.ToLowerInvariant()
                    : throw new InvalidRequestException(field, $"'{raw}' is not one of: {string.Join(", ", spec.Choices!)}"),
                ParameterKind.Numbers => string.Join(';', raw.Split(';', StringSplitOptions.TrimEntries).Select(item =>
                    double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                        ? v.ToString("R", CultureInfo.InvariantCulture)
                        : throw new InvalidRequestException(field, $"'{item}' is not a finite number (separate values with ';')"))),
                _ => throw new InvalidOperationException(),
            };
        }
        return new ParameterSet(values, fieldPrefix);
    }

    public double Number(string name) => double.Parse(_values[name], CultureInfo.InvariantCulture);

    public long Integer(string name) => long.Parse(_values[name], CultureInfo.InvariantCulture);

    public bool Flag(string name) => _values[name] == "true";

    public string Text(string name) => _values[name];

    public double[] Numbers(string name) => _values[name].Split(';').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Throws the standard "field: message" error for this operation's parameter.</summary>
    public InvalidRequestException Invalid(string name, string message) => new(Field(name), message);
}
