using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Resif.Gpu.Client;

namespace Resif.Gpu.Functional.Tests;

/// <summary>A C# user who sets nothing still gets a deadline on every call, so a stuck server cannot hang them.</summary>
public sealed class ClientDeadlineTests
{
    /// <summary>Records the gRPC timeout header each call carries, then answers "unavailable" without any server.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<string?> Timeouts { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Timeouts.Add(request.Headers.TryGetValues("grpc-timeout", out var values) ? values.Single() : null);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Version = HttpVersion.Version20 });
        }
    }

    /// <summary>The grpc-timeout header ("1799999m": an integer and a unit) as a duration.</summary>
    private static TimeSpan Parse(string header)
    {
        double value = double.Parse(header[..^1], CultureInfo.InvariantCulture);
        return header[^1] switch
        {
            'H' => TimeSpan.FromHours(value),
            'M' => TimeSpan.FromMinutes(value),
            'S' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMilliseconds(value),
            'u' => TimeSpan.FromMicroseconds(value),
            _ => TimeSpan.FromTicks((long)(value / 100)),
        };
    }

    [Fact]
    public async Task Every_call_carries_the_default_deadline()
    {
        var handler = new RecordingHandler();
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1", new GrpcChannelOptions { HttpHandler = handler });
        using var client = new ResifClient(channel) { MaxRetries = 0 };

        await Assert.ThrowsAsync<RpcException>(() => client.ListArraysAsync());
        await Assert.ThrowsAsync<RpcException>(() => client.ReduceAsync(new ReduceRequestBuilder("a")));

        Assert.Equal(2, handler.Timeouts.Count);
        foreach (string? timeout in handler.Timeouts)
        {
            Assert.NotNull(timeout);
            // The documented default (README: 30 min), less the moments spent before the call left.
            Assert.InRange(Parse(timeout), TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
        }
    }
}
