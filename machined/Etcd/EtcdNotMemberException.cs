using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>An etcd operation that needs this node to be a member, on a node that is not (yet, or any more).</summary>
public sealed class EtcdNotMemberException(string operation)
    : TalosException($"{operation}: this node is not an etcd member (bootstrap the cluster, or wait for the node to join it)")
{
    /// <summary>The refused operation.</summary>
    public string Operation { get; } = operation;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
