using Microsoft.Extensions.Logging;
using Resif.Gpu.Core.Operations;

namespace Resif.Gpu.Cluster;

/// <summary>How the cluster's gRPC gateway listens and how hard it tries a failing shard.</summary>
public sealed record ClusterGatewayOptions
{
    /// <summary>TCP port; 0 picks a free one (read <see cref="ClusterGateway.Url"/> after start).</summary>
    public int Port { get; init; }

    public string BindAddress { get; init; } = "127.0.0.1";

    public OperationRegistry Operations { get; init; } = OperationRegistry.Default;

    public long MaxOutputBytes { get; init; } = 4L << 30;

    /// <summary>Tries per shard; between tries Orleans' failure detector may declare a dead silo and the shard moves to a replica.</summary>
    public int ShardAttempts { get; init; } = 8;

    public TimeSpan ShardRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;
}
