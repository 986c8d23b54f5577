using Grpc.Core;
using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>
/// The one place where errors become gRPC statuses (STYLE.md §11). <see cref="ErrorCode"/> names follow gRPC
/// codes, so the mapping is one-to-one; anything that is not a <see cref="TalosException"/> or an
/// <see cref="RpcException"/> is a bug and becomes Internal without leaking its message.
/// </summary>
public static class StatusMapping
{
    /// <summary>The gRPC code for a domain error code.</summary>
    public static StatusCode ToStatusCode(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ErrorCode.NotFound => StatusCode.NotFound,
        ErrorCode.AlreadyExists => StatusCode.AlreadyExists,
        ErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        ErrorCode.DataLoss => StatusCode.DataLoss,
        ErrorCode.Unavailable => StatusCode.Unavailable,
        ErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        ErrorCode.Cancelled => StatusCode.Cancelled,
        ErrorCode.Internal => StatusCode.Internal,
        _ => StatusCode.Internal,
    };

    /// <summary>Translates any exception thrown by service code into the RpcException sent to the client.</summary>
    public static RpcException ToRpcException(Exception exception, CancellationToken callCancelled)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            RpcException rpc => rpc,
            TalosException talos => new RpcException(new Status(ToStatusCode(talos.Code), talos.Message)),
            OperationCanceledException when callCancelled.IsCancellationRequested =>
                new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled")),
            _ => new RpcException(new Status(StatusCode.Internal,
                $"internal error ({exception.GetType().Name}); see the node's machined log")),
        };
    }
}
