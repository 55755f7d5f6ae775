namespace Resif.Gpu.Core.Operations;

/// <summary>All operations the pipeline knows, by name. Names and defaults are defined once, here and in the descriptors.</summary>
public sealed class OperationRegistry
{
    private readonly Dictionary<string, OperationDescriptor> _byName = new(StringComparer.OrdinalIgnoreCase);

    public OperationRegistry(IEnumerable<OperationDescriptor> descriptors)
    {
        foreach (var d in descriptors) _byName.Add(d.Name, d);
    }

    /// <summary>The standard set of operations.</summary>
    public static OperationRegistry Default { get; } = new(BuiltinOperations.All);

    public IEnumerable<OperationDescriptor> Descriptors => _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal);

    public IOperation Create(OperationRequest request, int index)
    {
        string prefix = $"operations[{index}]";
        if (!_byName.TryGetValue(request.Name, out var descriptor))
        {
            throw new InvalidRequestException($"{prefix}.name",
                $"unknown operation '{request.Name}'; known: {string.Join(", ", Descriptors.Select(d => d.Name))}");
        }
        return descriptor.Create(ParameterSet.Parse(descriptor.Parameters, request.Parameters, prefix));
    }
}

/// <summary>An operation as a client asks for it: a name and raw parameter values.</summary>
public sealed record OperationRequest(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Parses the CLI syntax <c>name:key=value,key=value</c>.</summary>
    public static OperationRequest Parse(string spec, int index)
    {
        string field = $"operations[{index}]";
        int colon = spec.IndexOf(':');
        string name = (colon < 0 ? spec : spec[..colon]).Trim();
        if (name.Length == 0) throw new InvalidRequestException($"{field}.name", $"'{spec}' has no operation name (expected name:key=value,...)");
        var parameters = new Dictionary<string, string>();
        if (colon >= 0)
        {
            foreach (var part in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0) throw new InvalidRequestException(field, $"'{part}' is not key=value");
                string key = part[..eq].Trim();
                if (!parameters.TryAdd(key, part[(eq + 1)..].Trim())) throw new InvalidRequestException($"{field}.{key}", "given twice");
            }
        }
        return new OperationRequest(name, parameters);
    }
}
