using Resif.Gpu.Core.Operations;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests.Support;

internal static class Requests
{
    /// <summary>A wire request from CLI-style operation specs, e.g. "bandpass:freqmin=1,freqmax=20".</summary>
    public static V1.ReduceRequest Of(string array, params string[] operations)
    {
        var request = new V1.ReduceRequest { Array = array };
        foreach (var (spec, i) in operations.Select((s, i) => (s, i)))
        {
            var parsed = OperationRequest.Parse(spec, i);
            var op = new V1.Operation { Name = parsed.Name };
            foreach (var (key, value) in parsed.Parameters) op.Params[key] = new V1.ParamValue { Text = value };
            request.Operations.Add(op);
        }
        return request;
    }
}
