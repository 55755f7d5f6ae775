using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Operations;
using Resif.Gpu.Server;
using Resif.Gpu.Server.Internal;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Cli.Internal;

/// <summary>
/// The two ways a command reaches arrays: an embedded store in this process, or a remote server. Both answer wire
/// messages built by the same mapping, so every command prints and writes the same thing either way.
/// </summary>
internal sealed class ArrayAccess : IDisposable
{
    private readonly ResifClient? _client;
    private readonly Lazy<ReductionRunner>? _runner;
    private readonly IArrayStore? _store;

    private ArrayAccess(IArrayStore? store, ResifClient? client, string device)
    {
        _store = store;
        _client = client;
        if (store is not null)
        {
            // The backend is only built when a reduction needs it (ls and info must not start a GPU).
            _runner = new Lazy<ReductionRunner>(() => new ReductionRunner(store, OperationRegistry.Default,
                BackendProviders.Quiet.Create(device), new ResifServerOptions().MaxOutputBytes));
        }
    }

    public static ArrayAccess Open(Arguments args, string device = "auto")
    {
        var (store, server) = args.StoreOrServer();
        return store is not null ? new ArrayAccess(StoreFactory.Open(store), null, device) : new ArrayAccess(null, new ResifClient(server!), device);
    }

    public async Task<IReadOnlyList<V1.ArrayInfo>> ListAsync(CancellationToken cancellationToken) => _client is not null
        ? await _client.ListArraysAsync(cancellationToken).ConfigureAwait(false)
        : _store!.List().Select(name => ProtoMapping.ToProto(_store.Describe(name))).ToArray();

    public async Task<V1.ArrayInfo> DescribeAsync(string name, CancellationToken cancellationToken) => _client is not null
        ? await _client.DescribeAsync(name, cancellationToken).ConfigureAwait(false)
        : ProtoMapping.ToProto(_store!.Describe(name));

    public IAsyncEnumerable<V1.ReduceResponse> Reduce(V1.ReduceRequest request, CancellationToken cancellationToken) => _client is not null
        ? _client.ReduceStreamAsync(request, cancellationToken)
        : _runner!.Value.RunAsync(request, cancellationToken);

    public void Dispose()
    {
        _client?.Dispose();
        if (_runner is { IsValueCreated: true }) _runner.Value.Backend.Dispose();
    }
}
