using Talos.Api.Events;
using Talos.Core.State;
using Talos.Partitions.Audit;
using Talos.Partitions.Meta;

namespace Talos.Integration.Tests.Audit;

public sealed class AnOfflineAuditReplaysACapturedDisk
{
    [Fact]
    public async Task The_timeline_shows_install_upgrade_and_the_rollback_with_its_evidence()
    {
        using var node = NodeDisk.InMemory();
        await node.HistoryAsync();
        var expected = NodeState.Replay(node.Log.ReadFrom(1).Select(r => Core.Events.EventCodec.Decode(r.Payload.Span)));
        node.CloseLog();

        var audit = DiskAudit.Run(node.Disk);

        Assert.True(audit.IsClean, string.Join("\n", audit.Problems));
        Assert.Empty(audit.Problems);
        Assert.Equal(NodeDisk.DefaultNodeId, audit.NodeId);
        Assert.Equal(RecoveryOutcome.Clean, audit.Recovery.Outcome);
        Assert.Equal(20UL, audit.LastSequence);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), audit.Records.Select(r => r.Sequence));
        Assert.Equal(expected.Hash, audit.FinalState.Hash);
        Assert.Equal(Slot.A, audit.FinalState.BootedSlot);
        Assert.Equal(1UL, audit.FinalState.Counters.Rollbacks);

        var rollback = Assert.Single(audit.Timeline, t => t.Kind == TimelineKind.Rollback);
        Assert.Equal(18UL, rollback.Sequence);
        Assert.Contains("rolled back B (v1.10.0) -> A (v1.9.0): HealthCheckFailed, tries used 1, failed checks [kubelet]", rollback.Text);
        var swaps = audit.Timeline.Where(t => t.Kind == TimelineKind.SlotSwap).Select(t => (t.Sequence, t.Text)).ToList();
        Assert.Equal([(16UL, "booted slot changed A -> B"), (20UL, "booted slot changed B -> A")], swaps);
        Assert.Contains(audit.Timeline, t => t.Kind == TimelineKind.Config && t.Sequence == 9 && t.Text.Contains("changed machine.network"));
        Assert.Contains(audit.Timeline, t => t.Kind == TimelineKind.Phase && t.Text.StartsWith("phase install (1/1) of upgrade"));
        Assert.Equal(audit.Timeline.OrderBy(t => t.Sequence).Select(t => t.Sequence), audit.Timeline.Select(t => t.Sequence));
    }

    [Fact]
    public async Task The_audit_never_writes_to_the_image()
    {
        using var node = NodeDisk.InMemory();
        await node.HistoryAsync();
        node.CloseLog();
        node.RewriteRecord(12, e => { e.ImageWrittenToSlot.Version = "v1.10.9"; return e; }); // damage that a writable open would repair
        var before = ((Talos.Partitions.Devices.MemoryBlockDevice)node.Disk).Bytes.ToArray();

        var audit = DiskAudit.Run(node.Disk);

        Assert.False(audit.IsClean);
        Assert.Equal(before, ((Talos.Partitions.Devices.MemoryBlockDevice)node.Disk).Bytes.ToArray());
    }

    [Fact]
    public async Task A_record_rewritten_with_a_valid_crc_breaks_the_chain_at_the_next_record_and_the_later_records_are_kept()
    {
        using var node = NodeDisk.InMemory();
        await node.HistoryAsync();
        node.CloseLog();
        node.RewriteRecord(12, e => { e.ImageWrittenToSlot.Version = "v1.10.9"; return e; });

        var audit = DiskAudit.Run(node.Disk);

        // Later batches follow record 12: mid-log damage (issue #22), reported, nothing cut, records 13..20 kept.
        var chain = Assert.Single(audit.Problems, p => p.Severity == AuditSeverity.Error);
        Assert.Equal("damaged", chain.Kind);
        Assert.Equal(13UL, chain.Sequence);
        Assert.Contains("the chain link before record 13 damaged", chain.Detail);
        Assert.Equal((RecoveryOutcome.Damaged, TruncationReason.ChainBroken, 12UL), (audit.Recovery.Outcome, audit.Recovery.Reason, audit.Recovery.LastValidSequence));
        Assert.Equal(20UL, audit.LastSequence);
    }

    [Fact]
    public async Task A_log_written_after_a_checkpoint_is_folded_from_the_snapshot_to_the_same_hash()
    {
        using var node = NodeDisk.InMemory();
        await node.HistoryAsync(rollback: false);
        var full = NodeState.Replay(node.Log.ReadFrom(1).Select(r => Core.Events.EventCodec.Decode(r.Payload.Span)));
        node.CloseLog();
        // Re-open with a snapshot folder and compact everything that was "mirrored".
        using (var log = MetaLog.Open(Talos.Partitions.Layout.TalosLayout.OpenPartition(node.Disk, "META"),
                   new MetaLogOptions { SnapshotFolder = (snap, recs) => NodeState.Replay(snap.Length == 0 ? NodeState.Initial : NodeState.FromSnapshot(snap.Span),
                       recs.Select(r => Core.Events.EventCodec.Decode(r.Payload.Span))).ToSnapshot() }, TimeProvider.System))
        {
            log.AcknowledgeMirrored(15);
            await log.CheckpointAsync();
        }

        var audit = DiskAudit.Run(node.Disk);

        Assert.True(audit.IsClean, string.Join("\n", audit.Problems));
        Assert.True(audit.StartedFromSequence > 0);
        Assert.Equal(full.Hash, audit.FinalState.Hash);
        Assert.Equal(20UL, audit.LastSequence);
    }
}
