using System.Globalization;
using System.Reflection;
using Google.Protobuf;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Core.Pipeline;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

/// <summary>
/// The one translation between Core types and the wire contract. The server and the CLI's embedded path both use
/// it, so a result header (and the JSON sidecar written from it) is the same whichever path produced it.
/// </summary>
internal static class ProtoMapping
{
    public static string ServerVersion { get; } =
        typeof(ProtoMapping).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static V1.DataType ToProto(ElementType type) => type switch
    {
        ElementType.Float32 => V1.DataType.Float32,
        ElementType.Complex64 => V1.DataType.Complex64,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static V1.Coordinate ToProto(Coordinate coordinate)
    {
        var proto = new V1.Coordinate
        {
            Dim = coordinate.Dim,
            Units = coordinate.Units,
            Length = coordinate.Length,
            Start = coordinate.Start,
            Step = coordinate.Step,
            Origin = coordinate.Origin?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        };
        if (coordinate.Values is { } values) proto.Values.Add(values);
        if (coordinate.Labels is { } labels) proto.Labels.Add(labels);
        return proto;
    }

    public static V1.ArrayInfo ToProto(ArrayInfo info)
    {
        var proto = new V1.ArrayInfo
        {
            Name = info.Name,
            Dtype = ToProto(info.Layout.Type),
            Units = info.Layout.Units,
            SizeBytes = info.SizeBytes,
        };
        proto.Dims.Add(info.Layout.Dims);
        proto.Shape.Add(info.Layout.Shape);
        proto.Coords.Add(info.Layout.Coords.Select(ToProto));
        proto.Metadata.Add(info.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary());
        return proto;
    }

    public static V1.OperationInfo ToProto(OperationDescriptor descriptor)
    {
        var proto = new V1.OperationInfo { Name = descriptor.Name, Description = descriptor.Description };
        foreach (var p in descriptor.Parameters)
        {
            var parameter = new V1.ParameterInfo
            {
                Name = p.Name,
                Kind = p.Kind.ToString().ToLowerInvariant(),
                DefaultValue = p.Default ?? "",
                Description = p.Description,
            };
            if (p.Choices is { } choices) parameter.Choices.Add(choices);
            proto.Parameters.Add(parameter);
        }
        return proto;
    }

    public static V1.DeviceInfo ToProto(ComputeDevice device) => new()
    {
        Id = device.Id, Name = device.Name, Kind = device.Kind, Usable = device.Usable, Reason = device.Reason, MemoryBytes = device.MemoryBytes,
    };

    /// <summary>A CLI-style operation (text values) as the wire carries it.</summary>
    public static V1.Operation ToProto(OperationRequest request)
    {
        var proto = new V1.Operation { Name = request.Name };
        foreach (var (key, value) in request.Parameters) proto.Params[key] = new V1.ParamValue { Text = value };
        return proto;
    }

    /// <summary>The array a request names, checked before anything else is looked at.</summary>
    public static string ArrayName(V1.ReduceRequest request) =>
        string.IsNullOrWhiteSpace(request.Array) ? throw new InvalidRequestException("array", "an array name is required") : request.Array;

    /// <summary>
    /// Validates the envelope of a wire request and resolves selections by value against the array's coordinates;
    /// operation parameters are checked later by the registry.
    /// </summary>
    public static ReductionRequest ToCore(V1.ReduceRequest request, ArrayInfo array)
    {
        string name = ArrayName(request);
        if (request.MaxOutputBytes < 0) throw new InvalidRequestException("max_output_bytes", "must be >= 0");
        var operations = request.Operations.Select((o, i) => new OperationRequest(o.Name, ToText(o, i))).ToArray();
        return new ReductionRequest(name, ToCore(request.Selection, array.Layout), operations, request.MaxOutputBytes);
    }

    private static Selection ToCore(V1.Selection? selection, TensorLayout layout)
    {
        if (selection is null) return Selection.All;
        // A range left at its defaults selects everything: clients that always send one may still select by value.
        bool byIndex = selection.Channels is { } c && (c.Start != 0 || c.Stop != 0 || c.Step > 1);
        bool bySeconds = selection.Time is { } t && (t.Start != 0 || t.End != 0);
        if (byIndex && selection.Distance is not null)
            throw new InvalidRequestException("selection.distance", "select channels by index or by distance, not both");
        if (bySeconds && selection.Instants is not null)
            throw new InvalidRequestException("selection.instants", "select time by seconds or by instants, not both");

        long channelStart = 0, channelStop = 0, channelStep = 1;
        if (selection.Distance is null && selection.Channels is { } channels)
        {
            // An unset step arrives as 0: proto3 cannot tell it from "not given", so 0 means 1.
            (channelStart, channelStop, channelStep) = (channels.Start, channels.Stop, channels.Step == 0 ? 1 : channels.Step);
        }
        else if (selection.Distance is { } distance)
        {
            (channelStart, channelStop) = SelectionByValue.ChannelsByDistance(layout.Coords[0],
                distance.Start, distance.End, "selection.distance");
            if (distance.Step < 0) throw new InvalidRequestException("selection.distance.step", $"must be >= 1, got {distance.Step}");
            channelStep = distance.Step == 0 ? 1 : distance.Step;
        }

        double timeStart = 0, timeEnd = 0;
        if (selection.Instants is null && selection.Time is { } time)
        {
            (timeStart, timeEnd) = (time.Start, time.End);
        }
        else if (selection.Instants is { } instants)
        {
            var axis = layout.Coords[1];
            if (instants.Start.Length > 0)
            {
                // An instant before the first sample selects from the first sample, as a label slice would.
                timeStart = Math.Max(0, SelectionByValue.SecondsAfterFirstSample(axis, instants.Start, "selection.instants.start"));
            }
            if (instants.End.Length > 0)
            {
                timeEnd = SelectionByValue.SecondsAfterFirstSample(axis, instants.End, "selection.instants.end");
                // 0 would mean "to the end" in the seconds form.
                if (timeEnd <= 0) throw new InvalidRequestException("selection.instants.end", $"'{instants.End}' is at or before the first sample");
            }
        }
        return new Selection(channelStart, channelStop, channelStep, timeStart, timeEnd);
    }

    private static Dictionary<string, string> ToText(V1.Operation operation, int index)
    {
        var parameters = new Dictionary<string, string>();
        foreach (var (key, value) in operation.Params)
        {
            parameters[key] = value.KindCase switch
            {
                V1.ParamValue.KindOneofCase.Number => value.Number.ToString("R", CultureInfo.InvariantCulture),
                V1.ParamValue.KindOneofCase.Integer => value.Integer.ToString(CultureInfo.InvariantCulture),
                V1.ParamValue.KindOneofCase.Flag => value.Flag ? "true" : "false",
                V1.ParamValue.KindOneofCase.Text => value.Text,
                _ => throw new InvalidRequestException($"operations[{index}].{key}", "has no value"),
            };
        }
        return parameters;
    }

    public static V1.ReduceResponse ToProto(ReductionPart part) => part switch
    {
        ResultHeader header => new V1.ReduceResponse { Header = ToProto(header.Plan, header.Backend, header.Device) },
        ResultChunk chunk => new V1.ReduceResponse
        {
            Chunk = new V1.DataChunk { Offset = chunk.Offset, Data = UnsafeByteOperations.UnsafeWrap(chunk.Data) },
        },
        ResultProgress progress => new V1.ReduceResponse { Progress = new V1.Progress { Fraction = progress.Fraction, BytesSent = progress.BytesProduced } },
        ResultTrailer trailer => new V1.ReduceResponse
        {
            Trailer = new V1.ResultTrailer
            {
                TotalBytes = trailer.TotalBytes, InputBytes = trailer.InputBytes, ElapsedSeconds = trailer.Elapsed.TotalSeconds, Sha256 = trailer.Sha256,
                Device = trailer.Device,
            },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(part), part.GetType().Name),
    };

    /// <summary>The header of a plan's result in the pipeline's own element type.</summary>
    public static V1.ResultHeader ToProto(ReductionPlan plan, string backend, string device)
    {
        var output = plan.Output;
        var s = plan.Selection;
        double timeStep = plan.Source.Layout.Coords[1].Step;
        var proto = new V1.ResultHeader
        {
            Array = plan.Source.Name,
            Dtype = ToProto(output.Type),
            Units = output.Units,
            Backend = backend,
            Device = device,
            TotalBytes = output.ByteCount,
            InputBytes = plan.Input.ByteCount,
            ServerVersion = ServerVersion,
            ResolvedSelection = new V1.Selection
            {
                Channels = new V1.IndexRange { Start = s.ChannelStart, Stop = s.ChannelStart + (s.ChannelCount - 1) * s.ChannelStep + 1, Step = s.ChannelStep },
                Time = new V1.TimeWindow { Start = s.TimeStart * timeStep, End = (s.TimeStart + s.TimeCount) * timeStep },
            },
        };
        proto.Dims.Add(output.Dims);
        proto.Shape.Add(output.Shape);
        proto.Coords.Add(output.Coords.Select(ToProto));
        foreach (var step in plan.Provenance)
        {
            var provenance = new V1.ProvenanceStep { Name = step.Name };
            proto.Provenance.Add(provenance);
            foreach (var (key, value) in step.Parameters) provenance.Params[key] = value;
        }
        return proto;
    }
}
