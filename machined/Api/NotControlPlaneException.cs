using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>An etcd operation (Bootstrap, EtcdMemberList) on a node that does not run etcd.</summary>
public sealed class NotControlPlaneException(string operation, string machineType)
    : TalosException($"{operation} is only available on control plane nodes; this node is {(machineType.Length == 0 ? "not configured" : "a " + machineType)}")
{
    /// <summary>The refused operation.</summary>
    public string Operation { get; } = operation;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
