namespace Talos.Machined.Etcd;

public sealed partial class EtcdEngine
{
    /// <summary>
    /// Upstream's legacy pre-check before an upgrade or graceful reset takes this control plane's etcd member away
    /// (talos-internals.md §5.1, with etcd's own reconfiguration rule): refused when the cluster has exactly two
    /// voters, or when the other voters that answer a status read (real peer RPCs) would be fewer than the quorum of
    /// the membership without this member. Nothing to lose (no data, a learner, a single-member cluster) passes.
    /// </summary>
    /// <exception cref="EtcdQuorumException">The removal would break quorum.</exception>
    public async Task CheckRemovalSafeAsync(string operation, string overrideHint, CancellationToken ct)
    {
        var local = Local();
        var self = Self(local);
        if (local is null || self is null || self.IsLearner) return;
        var voters = local.Voters;
        if (voters.Count <= 1) return;
        if (voters.Count == 2)
            throw new EtcdQuorumException(operation, "etcd member count (2) is insufficient to maintain quorum", overrideHint);
        var healthy = await HealthyVotersAsync(local, ct);
        var othersHealthy = healthy.Count(v => v.Id != self.Id);
        var quorumAfter = (voters.Count - 1) / 2 + 1;
        if (othersHealthy < quorumAfter)
        {
            var down = voters.Where(v => v.Id != self.Id && healthy.All(h => h.Id != v.Id)).Select(v => $"{v.Name} ({v.Id:x})");
            throw new EtcdQuorumException(operation,
                $"{healthy.Count} of {voters.Count} members are healthy (unreachable: {string.Join(", ", down)}); without this member " +
                $"{othersHealthy} of {voters.Count - 1} would remain, {quorumAfter} needed", overrideHint);
        }
    }
}
