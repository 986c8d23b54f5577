using Talos.Api.Events;

namespace Talos.Partitions.Audit;

/// <summary>
/// The audit error for a <c>LogRepaired</c> event that records mid-log damage (issue #22, fields 4-12): the node found
/// damaged records with valid ones after them and kept going. Every source (disk, fleet store, running node) reports it,
/// so the history still fails verification after the node's quarantine checkpoint moved past the damaged region.
/// </summary>
public static class DamageFinding
{
    /// <summary>The problem for <paramref name="e"/> (stored at <paramref name="sequence"/>), or null when it records no damage.</summary>
    public static AuditProblem? Of(NodeEvent e, ulong sequence)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.LogRepaired is not { ResumedAtSequence: > 0 } lr) return null;
        var hidden = lr.DamagedToSequence >= lr.DamagedFromSequence
            ? $"records {lr.DamagedFromSequence}..{lr.DamagedToSequence}" : $"the chain link before record {lr.ResumedAtSequence}";
        return new(AuditSeverity.Error, "damaged", lr.DamagedFromSequence,
            $"record {sequence}: the node found META damaged at bytes {lr.DamagedOffset}..{lr.DamagedOffset + lr.DamagedLength} " +
            $"(sha256 {lr.DamagedSha256}), hiding {hidden}; the history continues at {lr.ResumedAtSequence} " +
            $"(record {lr.ResumedAtSequence} links to {lr.LostLastHash}, the last good record hashes {lr.LastGoodHash})");
    }
}
