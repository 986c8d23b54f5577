using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>
/// An upgrade without --preserve was refused on a control plane whose etcd has a single member (issue 22.5): the
/// upgrade would wipe EPHEMERAL, and with it the cluster's only copy of etcd. Upstream's ValidateForUpgrade refuses it
/// with this wording; <c>--preserve</c> keeps the data, <c>--force</c> skips the etcd checks (as upstream).
/// </summary>
public sealed class EtcdUpgradeRefusedException(int members)
    : TalosException($"error validating etcd for upgrade: only {members} etcd member found; assuming this is not an HA setup and refusing to upgrade; if this is a single-node cluster, use --preserve to upgrade")
{
    /// <summary>Voting members of the cluster.</summary>
    public int Members { get; } = members;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
