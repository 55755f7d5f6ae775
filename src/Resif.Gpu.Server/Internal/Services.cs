using Grpc.Core;
using Microsoft.Extensions.Logging;
using Resif.Gpu.Core;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Internal;

internal sealed class CatalogService(ReductionRunner runner, ILogger<CatalogService> logger) : V1.Catalog.CatalogBase
{
    public override Task<V1.ListArraysResponse> ListArrays(V1.ListArraysRequest request, ServerCallContext context)
    {
        var response = new V1.ListArraysResponse();
        foreach (string name in runner.Store.List())
        {
            try
            {
                response.Arrays.Add(ProtoMapping.ToProto(runner.Store.Describe(name)));
            }
            catch (DataCorruptionException e)
            {
                // One damaged array must not take the catalog down for everyone: it answers DATA_LOSS when named.
                logger.LogWarning(e, "array {Array} left out of the listing: {Reason}", name, e.Message);
            }
        }
        return Task.FromResult(response);
    }

    public override Task<V1.ArrayInfo> DescribeArray(V1.DescribeArrayRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Name)) throw new InvalidRequestException("name", "an array name is required");
        return Task.FromResult(ProtoMapping.ToProto(runner.Store.Describe(request.Name)));
    }
}

internal sealed class ReductionService(ReductionRunner runner) : V1.Reduction.ReductionBase
{
    /// <summary>How long a response write in flight may go on once the call's token fired (server time limit, shutdown).</summary>
    private static readonly TimeSpan StalledWriteGrace = TimeSpan.FromSeconds(2);

    public override async Task Reduce(V1.ReduceRequest request, IServerStreamWriter<V1.ReduceResponse> responseStream, ServerCallContext context)
    {
        // Cancelling a write in flight resets the HTTP/2 stream: the client would read CANCELLED instead of the status
        // the limits give (DEADLINE_EXCEEDED naming the time limit, UNAVAILABLE at shutdown). So no write starts after
        // the token fired, one in flight may finish, and only one still stalled (a client that stopped reading) is cut.
        using var stalledWrites = new CancellationTokenSource();
        using var _ = context.CancellationToken.Register(() => stalledWrites.CancelAfter(StalledWriteGrace));
        await foreach (var response in runner.RunAsync(request, context.CancellationToken).WithCancellation(context.CancellationToken).ConfigureAwait(false))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            await responseStream.WriteAsync(response, stalledWrites.Token).ConfigureAwait(false);
        }
    }

    public override Task<V1.EstimateResponse> Estimate(V1.ReduceRequest request, ServerCallContext context) =>
        Task.FromResult(runner.Estimate(request));

    public override Task<V1.ListOperationsResponse> ListOperations(V1.ListOperationsRequest request, ServerCallContext context)
    {
        var response = new V1.ListOperationsResponse();
        response.Operations.Add(runner.Registry.Descriptors.Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }
}

internal sealed class DevicesService(IBackendProvider provider, ReductionRunner runner) : V1.Devices.DevicesBase
{
    public override Task<V1.ListDevicesResponse> ListDevices(V1.ListDevicesRequest request, ServerCallContext context)
    {
        var response = new V1.ListDevicesResponse { Active = $"{runner.Backend.Name}: {runner.Backend.Device}" };
        response.Devices.Add(provider.Devices.Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }
}
