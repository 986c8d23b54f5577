using Talos.Api.Events;

namespace Talos.Machined.Etcd;

/// <summary>
/// The membership changes between two versions of a node's local etcd data, as META log events (issue 12,
/// events.proto EtcdMembershipChanged, code 56). Pure: the engine calls it on every write or delete of the data, so
/// each control plane's log records the cluster's membership history as that node saw it.
/// </summary>
public static class EtcdMembershipDiff
{
    /// <summary>How a node came to hold data it did not hold before.</summary>
    public enum Origin
    {
        /// <summary>The data arrived from the leader (join) or was written by a change.</summary>
        Replicated,

        /// <summary>Bootstrap created the cluster here.</summary>
        Bootstrap,

        /// <summary>Bootstrap recovered the cluster from a snapshot here.</summary>
        Recover,
    }

    /// <summary>
    /// The changes from <paramref name="before"/> to <paramref name="after"/> (null: no data) seen by the member with
    /// <paramref name="selfPeerUrl"/>: removals, additions and promotions in member-id order, then a leader change.
    /// Equal data gives no change; a different cluster id is the old cluster left and the new one entered.
    /// </summary>
    public static IReadOnlyList<EtcdMembershipChanged> Between(EtcdData? before, EtcdData? after, string selfPeerUrl, Origin origin = Origin.Replicated)
    {
        var changes = new List<EtcdMembershipChanged>();
        if (before is not null && (after is null || after.ClusterId != before.ClusterId))
        {
            var self = before.ByPeerUrl(selfPeerUrl);
            changes.Add(new EtcdMembershipChanged { Change = EtcdChange.Left, ClusterId = before.ClusterId, MemberId = self?.Id ?? 0, MemberName = self?.Name ?? "" });
            before = null;
        }
        if (after is null) return changes;
        if (before is null)
        {
            var self = after.ByPeerUrl(selfPeerUrl);
            var change = origin switch { Origin.Bootstrap => EtcdChange.Bootstrapped, Origin.Recover => EtcdChange.Recovered, _ => EtcdChange.Joined };
            changes.Add(Of(change, after, self?.Id ?? 0, self?.Name ?? ""));
            return changes;
        }
        foreach (var gone in before.Members.Where(m => after.ById(m.Id) is null).OrderBy(m => m.Id))
            changes.Add(Of(EtcdChange.MemberRemoved, after, gone.Id, gone.Name));
        foreach (var added in after.Members.Where(m => before.ById(m.Id) is null).OrderBy(m => m.Id))
            changes.Add(Of(EtcdChange.MemberAdded, after, added.Id, added.Name));
        foreach (var promoted in after.Members.Where(m => !m.IsLearner && before.ById(m.Id) is { IsLearner: true }).OrderBy(m => m.Id))
            changes.Add(Of(EtcdChange.MemberPromoted, after, promoted.Id, promoted.Name));
        if (after.LeaderId != before.LeaderId)
            changes.Add(Of(EtcdChange.LeaderChanged, after, after.LeaderId, after.ById(after.LeaderId)?.Name ?? ""));
        return changes;
    }

    private static EtcdMembershipChanged Of(EtcdChange change, EtcdData data, ulong member, string name) => new()
    {
        Change = change, ClusterId = data.ClusterId, MemberId = member, MemberName = name, Revision = data.Revision, Members = (uint)data.Members.Count,
    };
}
