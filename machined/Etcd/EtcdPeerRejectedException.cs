using Grpc.Core;
using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>Another member refused or could not answer a peer call; carries its status so the caller gets the same code.</summary>
public sealed class EtcdPeerRejectedException(string peerUrl, RpcException inner)
    : TalosException($"etcd member {peerUrl}: {inner.Status.Detail}", inner)
{
    /// <summary>The member that answered.</summary>
    public string PeerUrl { get; } = peerUrl;

    /// <summary>Its gRPC status code.</summary>
    public StatusCode Status { get; } = inner.StatusCode;

    /// <inheritdoc />
    public override ErrorCode Code => Status switch
    {
        StatusCode.NotFound => ErrorCode.NotFound,
        StatusCode.FailedPrecondition => ErrorCode.FailedPrecondition,
        StatusCode.InvalidArgument => ErrorCode.InvalidArgument,
        StatusCode.AlreadyExists => ErrorCode.AlreadyExists,
        _ => ErrorCode.Unavailable,
    };

    /// <inheritdoc />
    public override bool IsTransient => Code == ErrorCode.Unavailable;
}
