using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>
/// Base of the per-node inline projections: checks that each event links to the previous one (sequence, chain
/// hash, recomputed frame hash), folds the node state exactly as the node does, then lets the subclass update its
/// document from the state before and after the event. An event that does not link is counted and not folded.
/// The fold of a batch (<see cref="BatchFold"/>) is computed once and shared by every read model that starts where
/// it starts; the folded state is encoded once per batch, when the document is stored (<see cref="FoldedDocument"/>).
/// </summary>
public abstract class FoldingProjection<TDoc> : SingleStreamProjection<TDoc, string> where TDoc : FoldedDocument, new()
{
    /// <inheritdoc />
    public override TDoc? Evolve(TDoc? snapshot, string id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Data is not MirroredEvent m) return snapshot;
        return FoldBatch(snapshot, id, new BatchFold([m]));
    }

    /// <summary>Applies <paramref name="fold"/> (the batch after <paramref name="doc"/>) and returns the document.</summary>
    internal TDoc FoldBatch(TDoc? doc, string id, BatchFold fold)
    {
        doc ??= new TDoc { Id = id, LastHash = StoreEvents.ZeroHash };
        var steps = fold.For(doc);
        NodeState? last = null;
        foreach (var step in steps.Steps)
        {
            if (step.Event is null)
            {
                doc.ChainBreaks++;
                continue;
            }
            doc.LastSequence = step.Record.Sequence;
            doc.LastHash = step.Record.Hash;
            Update(doc, step.Before!, step.After!, step.Event, step.Record);
            last = step.After;
        }
        if (last is not null)
        {
            doc.SetFolded(last);
            Folded(doc, last);
        }
        return doc;
    }

    /// <summary>Updates <paramref name="doc"/> for one folded event.</summary>
    protected abstract void Update(TDoc doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m);

    /// <summary>Called once per batch with the state after its last folded event.</summary>
    protected virtual void Folded(TDoc doc, NodeState state) { }
}

/// <summary>Maintains <see cref="NodeSummary"/> inline.</summary>
public sealed class NodeSummaryProjection : FoldingProjection<NodeSummary>
{
    /// <inheritdoc />
    protected override void Update(NodeSummary doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(m);
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

    /// <inheritdoc />
    protected override void Folded(NodeSummary doc, NodeState state)
    {
        ArgumentNullException.ThrowIfNull(doc);
        doc.Refresh(state);
    }
}

/// <summary>
/// Maintains <see cref="UpgradeHistory"/> inline: one <see cref="UpgradeAttempt"/> document per image written next to a
/// confirmed slot. The attempts a fold creates or ends are stored with the per-node document: by the copy appender in
/// its transaction, by Marten's own append as side effects of the inline projection (<see cref="AuditStore"/> enables them).
/// </summary>
public sealed class UpgradeHistoryProjection : FoldingProjection<UpgradeHistory>
{
    /// <inheritdoc />
    public override ValueTask RaiseSideEffects(IDocumentOperations operations, IEventSlice<UpgradeHistory> slice)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(slice);
        if (slice.Snapshot is { } doc)
            foreach (var a in doc.TakeChanged()) operations.Store(a);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Update(UpgradeHistory doc, NodeState before, NodeState after, NodeEvent e, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(m);
        var pending = doc.Pending;
        switch (e.PayloadCase)
        {
            case NodeEvent.PayloadOneofCase.ImageWrittenToSlot:
                var w = e.ImageWrittenToSlot;
                var from = before.SlotOf(w.Slot == Slot.A ? Slot.B : Slot.A);
                if (!(from.Successful && from.HasImage)) return;   // a first install, not an upgrade
                if (pending is not null) End(doc, pending, m, "superseded", $"slot {NodeSummary.SlotName(w.Slot)} rewritten at {m.Sequence}");
                doc.Pending = new UpgradeAttempt
                {
                    Id = UpgradeAttempt.IdOf(doc.Id, m.Sequence), NodeId = doc.Id,
                    StartSequence = m.Sequence, OperationId = e.SequenceId, Slot = NodeSummary.SlotName(w.Slot),
                    FromVersion = from.Version, FromDigest = from.Digest, ToVersion = w.Version, ToDigest = w.Digest, Start = m.Time,
                };
                doc.AttemptCount++;
                doc.Changed(doc.Pending);
                break;
            case NodeEvent.PayloadOneofCase.BootConfirmed when pending is not null && NodeSummary.SlotName(e.BootConfirmed.Slot) == pending.Slot:
                End(doc, pending, m, "confirmed", $"boot of slot {pending.Slot} confirmed at {m.Sequence}");
                break;
            case NodeEvent.PayloadOneofCase.RolledBack when pending is not null && NodeSummary.SlotName(e.RolledBack.From) == pending.Slot:
                var r = e.RolledBack;
                End(doc, pending, m, "rolled-back", $"{r.Reason}; tries used {r.TriesUsed}; failed checks [{string.Join(",", r.FailedChecks)}]; {r.Detail}");
                break;
            case NodeEvent.PayloadOneofCase.SequenceFailed when pending is not null && e.SequenceId == pending.OperationId && pending.OperationId.Length > 0:
                End(doc, pending, m, "failed", e.SequenceFailed.Message);
                break;
        }
    }

    private static void End(UpgradeHistory doc, UpgradeAttempt a, MirroredEvent m, string outcome, string evidence)
    {
        a.Outcome = outcome;
        a.End = m.Time;
        a.Evidence = evidence;
        doc.Pending = null;
        doc.Changed(a);
    }
}
