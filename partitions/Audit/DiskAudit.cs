using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.State;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Audit;

/// <summary>
/// Offline audit of a captured disk (issue #10): finds META through the GPT, opens the log read-only (so the image
/// is never changed, whatever it holds), decodes every record strictly, folds them into a <see cref="NodeState"/>
/// (from the checkpoint snapshot when the log was compacted) and reports everything found wrong.
/// </summary>
public static class DiskAudit
{
    /// <summary>Audits the disk <paramref name="disk"/> (a whole disk with a Talos GPT).</summary>
    /// <exception cref="PartitionNotFoundException">The disk has no META partition.</exception>
    /// <exception cref="MetaLogCorruptException">META holds no recognisable log (both superblocks or the checkpoint destroyed).</exception>
    public static AuditResult Run(IBlockDevice disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        var meta = TalosLayout.OpenPartition(disk, "META");
        using var log = MetaLog.OpenReadOnly(meta);
        return Run(log);
    }

    /// <summary>Audits an open log (read-only or live).</summary>
    public static AuditResult Run(MetaLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var problems = new List<AuditProblem>();
        ReportRecovery(log.Recovery, problems);
        var cp = log.Checkpoint;
        if (cp.DroppedFrom != 0)
            problems.Add(new(AuditSeverity.Warning, "dropped", cp.DroppedFrom,
                $"records {cp.DroppedFrom}..{cp.DroppedTo} were dropped by a forced compaction before the fleet store acknowledged them (last dropped hash {Convert.ToHexStringLower(cp.DroppedHash)})"));

        var start = NodeState.Initial;
        if (cp.CheckpointSequence > 0)
        {
            try
            {
                start = NodeState.FromSnapshot(cp.Snapshot);
            }
            catch (SnapshotDecodeException e)
            {
                problems.Add(new(AuditSeverity.Error, "snapshot", cp.CheckpointSequence, $"the checkpoint snapshot does not decode ({e.Message}); folding the stored records from the initial state"));
            }
            if (start.LastSequence != cp.CheckpointSequence && start != NodeState.Initial)
                problems.Add(new(AuditSeverity.Error, "snapshot", cp.CheckpointSequence, $"the checkpoint covers sequence {cp.CheckpointSequence} but its snapshot is at {start.LastSequence}"));
        }

        var records = new List<AuditRecord>();
        foreach (var r in log.ReadFrom(log.FirstSequence))
        {
            var rec = AuditRecord.From(r, out var err);
            if (err is not null) problems.Add(new(AuditSeverity.Error, "decode", r.Sequence, err));
            else if (rec.Event!.Sequence != r.Sequence)
                problems.Add(new(AuditSeverity.Error, "sequence", r.Sequence, $"the event inside record {r.Sequence} says sequence {rec.Event.Sequence}"));
            else if (DamageFinding.Of(rec.Event, r.Sequence) is { } damaged) problems.Add(damaged);
            records.Add(rec);
        }

        var folded = records.Where(r => r.Sequence > cp.CheckpointSequence && r.Event is not null).Select(r => r.Event!).ToList();
        var final = NodeState.Replay(start, folded);
        var timeline = TimelineBuilder.Build(start, folded);
        var firstNew = start.AnomalyCount;
        foreach (var a in final.Anomalies.TakeLast((int)Math.Min((ulong)final.Anomalies.Count, final.AnomalyCount - firstNew)))
            problems.Add(new(AuditSeverity.Error, "anomaly", a.Sequence, a.Message));
        return new AuditResult(log.NodeId, log.Recovery, cp.CheckpointSequence, records, timeline, final, problems)
        {
            CheckpointHash = cp.CheckpointHash,
        };
    }

    private static void ReportRecovery(RecoveryReport r, List<AuditProblem> problems)
    {
        if (r.Damage is { } d)
            problems.Add(new(AuditSeverity.Error, "damaged", d.FromSequence,
                $"{d.Describe()}; {r.Reason}: {r.Detail.Split("; ")[0]}; last good record {r.LastValidSequence} hashes {Convert.ToHexStringLower(d.LastGoodHash)}, " +
                $"record {d.ResumedAtSequence} links to {Convert.ToHexStringLower(d.LostLastHash)}"));
        else if (r.Reason != TruncationReason.None)
        {
            var kind = r.Reason switch
            {
                TruncationReason.ChainBroken => "chain",
                TruncationReason.SequenceGap => "gap",
                TruncationReason.TornRecord => "crc",
                _ => "truncated",
            };
            problems.Add(new(AuditSeverity.Error, kind, r.LastValidSequence + 1,
                $"the log is valid only up to record {r.LastValidSequence}: {r.Reason}; {r.BytesDiscarded} bytes after it (META byte {r.TruncatedAtOffset}) are not part of the history ({r.Detail})"));
        }
        if (r.CheckpointMismatch is { } m)
            problems.Add(new(AuditSeverity.Error, "checkpoint", 0, $"{m}: the checkpoint block or the records were rewritten"));
        if (r.Outcome == RecoveryOutcome.Created)
            problems.Add(new(AuditSeverity.Error, "empty", 0, "META holds no log at all (both superblocks are zero): the partition was wiped or never used, so there is no history to verify"));
        if (r.SuperblockRepaired)
            problems.Add(new(AuditSeverity.Warning, "superblock", 0, "one superblock copy is stale or damaged (normal after a crash during a checkpoint)"));
    }
}
