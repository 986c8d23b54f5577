using JasperFx.Events;
using Marten.Events.Aggregation;
using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>
/// Base of the per-node inline projections: checks that each event links to the previous one (sequence, chain
/// hash, recomputed frame hash), folds the node state exactly as the node does, then lets the subclass update its
/// document from the state before and after the event. An event that does not link is counted and not folded.
/// </summary>
public abstract class FoldingProjection<TDoc> : SingleStreamProjection<TDoc, string> where TDoc : class, IFoldedDocument, new()
{
    // Within one append batch Marten passes the same document instance through Evolve for every event: keep its
    // folded state beside it so the snapshot is decoded once per batch, not once per event.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TDoc, NodeState> _folded = new();

    /// <inheritdoc />
    public override TDoc? Evolve(TDoc? snapshot, string id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Data is not MirroredEvent m) return snapshot;
        var doc = snapshot ?? new TDoc { Id = id, LastHash = StoreEvents.ZeroHash };
        var ev = StoreEvents.Link(doc.LastSequence, doc.LastHash, m) is null ? StoreEvents.TryDecode(m, out _) : null;
        if (ev is null)
        {
            doc.ChainBreaks++;
            return doc;
        }
        if (!_folded.TryGetValue(doc, out var before) && !TryRestore(doc, out before))
        {
            // A damaged stored fold must not throw: the projection runs inside the mirror's append transaction,
            // and an exception there would stall the mirror for good. Count it and leave the document alone.
            doc.ChainBreaks++;
            return doc;
        }
        var after = NodeState.Apply(before, ev);
        doc.LastSequence = m.Sequence;
        doc.LastHash = m.Hash;
        doc.State = Convert.ToBase64String(after.ToSnapshot());
        _folded.AddOrUpdate(doc, after);
        Update(doc, before, after, ev, m);
        return doc;
    }

    private static bool TryRestore(TDoc doc, out NodeState state)
    {
        state = NodeState.Initial;
        if (doc.State.Length == 0) return true;
        try
        {
            state = NodeState.FromSnapshot(Convert.FromBase64String(doc.State));
            return true;
        }
        catch (Exception e) when (e is Core.Errors.SnapshotDecodeException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Updates <paramref name="doc"/> for one folded event.</summary>
    protected abstract void Update(TDoc doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m);
}

/// <summary>Maintains <see cref="NodeSummary"/> inline.</summary>
public sealed class NodeSummaryProjection : FoldingProjection<NodeSummary>
{
    /// <inheritdoc />
    protected override void Update(NodeSummary doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(m);
        doc.Refresh(after);
        doc.LastSeen = m.Time;
        switch (e.PayloadCase)
        {
            case NodeEvent.PayloadOneofCase.SequenceCompleted: doc.LastOperation = e.SequenceCompleted.Sequence; doc.LastOutcome = "completed"; break;
            case NodeEvent.PayloadOneofCase.SequenceFailed: doc.LastOperation = e.SequenceFailed.Sequence; doc.LastOutcome = "failed: " + e.SequenceFailed.Message; break;
            case NodeEvent.PayloadOneofCase.SequenceAbandoned: doc.LastOperation = e.SequenceAbandoned.Sequence; doc.LastOutcome = "abandoned: " + e.SequenceAbandoned.Reason; break;
            case NodeEvent.PayloadOneofCase.OperationLocked: doc.LastOperation = e.OperationLocked.Requested; doc.LastOutcome = "locked by " + e.OperationLocked.Running; break;
            case NodeEvent.PayloadOneofCase.RolledBack: doc.LastRollbackAt = m.Time; break;
            case NodeEvent.PayloadOneofCase.ConfigApplied when e.ConfigApplied.Mode != ApplyMode.Staged:
                // A staged config is not active yet; older nodes' events carry no identity, so keep what is known.
                if (e.ConfigApplied.MachineType.Length > 0) doc.Role = e.ConfigApplied.MachineType;
                if (e.ConfigApplied.Hostname.Length > 0) doc.Hostname = e.ConfigApplied.Hostname;
                break;
        }
    }
}

/// <summary>Maintains <see cref="UpgradeHistory"/> inline: one attempt per image written next to a confirmed slot.</summary>
public sealed class UpgradeHistoryProjection : FoldingProjection<UpgradeHistory>
{
    /// <inheritdoc />
    protected override void Update(UpgradeHistory doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(m);
        var pending = doc.Attempts.LastOrDefault(a => a.Outcome == "pending");
        switch (e.PayloadCase)
        {
            case NodeEvent.PayloadOneofCase.ImageWrittenToSlot:
                var w = e.ImageWrittenToSlot;
                var from = before.SlotOf(w.Slot == Slot.A ? Slot.B : Slot.A);
                if (!(from.Successful && from.HasImage)) return;   // a first install, not an upgrade
                if (pending is not null) End(pending, m, "superseded", $"slot {NodeSummary.SlotName(w.Slot)} rewritten at {m.Sequence}");
                doc.Attempts.Add(new UpgradeAttempt
                {
                    StartSequence = m.Sequence, OperationId = e.SequenceId, Slot = NodeSummary.SlotName(w.Slot),
                    FromVersion = from.Version, FromDigest = from.Digest, ToVersion = w.Version, ToDigest = w.Digest, Start = m.Time,
                });
                break;
            case NodeEvent.PayloadOneofCase.BootConfirmed when pending is not null && NodeSummary.SlotName(e.BootConfirmed.Slot) == pending.Slot:
                End(pending, m, "confirmed", $"boot of slot {pending.Slot} confirmed at {m.Sequence}");
                break;
            case NodeEvent.PayloadOneofCase.RolledBack when pending is not null && NodeSummary.SlotName(e.RolledBack.From) == pending.Slot:
                var r = e.RolledBack;
                End(pending, m, "rolled-back", $"{r.Reason}; tries used {r.TriesUsed}; failed checks [{string.Join(",", r.FailedChecks)}]; {r.Detail}");
                break;
            case NodeEvent.PayloadOneofCase.SequenceFailed when pending is not null && e.SequenceId == pending.OperationId && pending.OperationId.Length > 0:
                End(pending, m, "failed", e.SequenceFailed.Message);
                break;
        }
    }

    private static void End(UpgradeAttempt a, MirroredEvent m, string outcome, string evidence)
    {
        a.Outcome = outcome;
        a.End = m.Time;
        a.Evidence = evidence;
    }
}
