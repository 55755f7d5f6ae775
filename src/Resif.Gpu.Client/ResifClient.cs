using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Client;

/// <summary>C# client of a Resif.Gpu server. Every call gets <see cref="Deadline"/> unless the caller cancels first.</summary>
public sealed class ResifClient : IDisposable
{
    /// <summary>Room for ~1 MB data chunks and headers with explicit coordinates.</summary>
    public const int DefaultMaxReceiveMessageBytes = 64 << 20;

    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;
    private readonly V1.Catalog.CatalogClient _catalog;
    private readonly V1.Reduction.ReductionClient _reduction;
    private readonly V1.Devices.DevicesClient _devices;

    public ResifClient(string url)
        : this(GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = DefaultMaxReceiveMessageBytes }), ownsChannel: true)
    {
    }

    public ResifClient(GrpcChannel channel)
        : this(channel, ownsChannel: false)
    {
    }

    private ResifClient(GrpcChannel channel, bool ownsChannel)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
        _catalog = new V1.Catalog.CatalogClient(channel);
        _reduction = new V1.Reduction.ReductionClient(channel);
        _devices = new V1.Devices.DevicesClient(channel);
    }

    /// <summary>Time allowed for one call, a whole reduction stream included.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(30);

    private CallOptions Options(CancellationToken cancellationToken) => new(deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<V1.ArrayInfo>> ListArraysAsync(CancellationToken cancellationToken = default) =>
        (await _catalog.ListArraysAsync(new V1.ListArraysRequest(), Options(cancellationToken)).ConfigureAwait(false)).Arrays;

    public async Task<V1.ArrayInfo> DescribeAsync(string name, CancellationToken cancellationToken = default) =>
        await _catalog.DescribeArrayAsync(new V1.DescribeArrayRequest { Name = name }, Options(cancellationToken)).ConfigureAwait(false);

    public async Task<IReadOnlyList<V1.OperationInfo>> ListOperationsAsync(CancellationToken cancellationToken = default) =>
        (await _reduction.ListOperationsAsync(new V1.ListOperationsRequest(), Options(cancellationToken)).ConfigureAwait(false)).Operations;

    public async Task<V1.ListDevicesResponse> ListDevicesAsync(CancellationToken cancellationToken = default) =>
        await _devices.ListDevicesAsync(new V1.ListDevicesRequest(), Options(cancellationToken)).ConfigureAwait(false);

    /// <summary>The raw stream: header, chunks and progress, trailer. Disposing the enumerator cancels the call.</summary>
    public async IAsyncEnumerable<V1.ReduceResponse> ReduceStreamAsync(V1.ReduceRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _reduction.Reduce(request, Options(cancellationToken));
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return response;
    }

    /// <summary>The whole result in memory, with offsets, size and SHA-256 checked.</summary>
    public Task<ReductionResult> ReduceAsync(V1.ReduceRequest request, IProgress<V1.Progress>? progress = null, CancellationToken cancellationToken = default) =>
        ReductionResult.CollectAsync(ReduceStreamAsync(request, cancellationToken), progress, cancellationToken);

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
