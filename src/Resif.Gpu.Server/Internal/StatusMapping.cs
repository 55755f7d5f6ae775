using Grpc.Core;
using Resif.Gpu.Core;

namespace Resif.Gpu.Server.Internal;

/// <summary>Which gRPC status each Core error means; details are safe to show to clients.</summary>
internal static class StatusMapping
{
    public static Status ToStatus(Exception e, DateTime deadline, bool callCancelled) => e switch
    {
        InvalidRequestException invalid => new Status(StatusCode.InvalidArgument, $"{invalid.Field}: {invalid.Reason}"),
        ArrayNotFoundException notFound => new Status(StatusCode.NotFound, notFound.Message),
        OutputBudgetExceededException budget => new Status(StatusCode.ResourceExhausted, budget.Message),
        DataCorruptionException corrupt => new Status(StatusCode.DataLoss, corrupt.Message),
        // The message names the lock file, a path: the client only needs to know it may retry.
        Storage.ArrayBusyException => new Status(StatusCode.Unavailable, "another writer holds this array; retry later"),
        OperationCanceledException when callCancelled && deadline <= DateTime.UtcNow => new Status(StatusCode.DeadlineExceeded, "deadline exceeded"),
        OperationCanceledException when callCancelled => new Status(StatusCode.Cancelled, "cancelled by the client"),
        // Never leak internals (paths, stack traces) to clients: the server log has the details.
        _ => new Status(StatusCode.Internal, "internal server error (see the server log)"),
    };
}
