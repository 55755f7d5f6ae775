using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Server.Telemetry.Internal;

/// <summary>
/// One "resif.reduce" span per Reduce call, under the request's ASP.NET Core span: which array and pipeline, the
/// output type and compression asked, and what the stream carried (result bytes, input bytes, chunks), with an error
/// status when the call fails or is cancelled. Only registered when traces are exported.
/// </summary>
internal sealed class ReductionTracing : Interceptor
{
    public const string SourceName = "Resif.Gpu.Server";

    private static readonly ActivitySource Source = new(SourceName);

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (request is not V1.ReduceRequest reduce || Source.StartActivity("resif.reduce") is not { } activity)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }
        using (activity)
        {
            activity.SetTag("resif.array", reduce.Array);
            activity.SetTag("resif.operations", string.Join("|", reduce.Operations.Select(o => o.Name)));
            activity.SetTag("resif.output_dtype", reduce.OutputDtype.ToString());
            activity.SetTag("resif.compression", reduce.Compression.ToString());
            var counting = new CountingWriter<TResponse>(responseStream, activity);
            try
            {
                await continuation(request, counting, context).ConfigureAwait(false);
                activity.SetStatus(context.CancellationToken.IsCancellationRequested ? ActivityStatusCode.Error : ActivityStatusCode.Ok,
                    context.CancellationToken.IsCancellationRequested ? "cancelled" : null);
            }
            catch (Exception e)
            {
                activity.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                activity.AddException(e);
                throw;
            }
            finally
            {
                activity.SetTag("resif.bytes_out", counting.BytesOut);
                activity.SetTag("resif.chunks", counting.Chunks);
            }
        }
    }

    /// <summary>Passes messages through, counting result bytes and noting the trailer's input bytes on the span.</summary>
    private sealed class CountingWriter<T>(IServerStreamWriter<T> inner, Activity activity) : IServerStreamWriter<T>
    {
        public long BytesOut { get; private set; }

        public int Chunks { get; private set; }

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        // The interface's default for this overload refuses cancellable tokens, which the reduction service passes.
        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (message is V1.ReduceResponse response)
            {
                if (response.PayloadCase == V1.ReduceResponse.PayloadOneofCase.Chunk)
                {
                    BytesOut += response.Chunk.UncompressedSize > 0 ? response.Chunk.UncompressedSize : response.Chunk.Data.Length;
                    Chunks++;
                }
                else if (response.PayloadCase == V1.ReduceResponse.PayloadOneofCase.Trailer)
                {
                    activity.SetTag("resif.bytes_in", response.Trailer.InputBytes);
                }
            }
            return inner.WriteAsync(message, cancellationToken);
        }
    }
}
