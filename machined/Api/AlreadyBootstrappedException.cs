using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>Bootstrap on a node whose etcd already holds data (upstream: "etcd data directory is not empty").</summary>
public sealed class AlreadyBootstrappedException(string clusterName)
    : TalosException($"etcd data directory is not empty: cluster \"{clusterName}\" is already bootstrapped on this node; bootstrap runs once per cluster (reset the node to start over)")
{
    /// <summary>The cluster recorded by the earlier BootstrapDone.</summary>
    public string ClusterName { get; } = clusterName;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.AlreadyExists;
}
