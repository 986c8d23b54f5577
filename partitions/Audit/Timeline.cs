using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Partitions.Audit;

/// <summary>What a timeline entry is about.</summary>
public enum TimelineKind
{
    /// <summary>A sequence started, completed, failed, was locked out, resumed or abandoned.</summary>
    Sequence,
    /// <summary>A phase of a sequence started or failed.</summary>
    Phase,
    /// <summary>Disk layout, partition wipe, image written to a slot, trial set.</summary>
    Disk,
    /// <summary>A boot attempt, a boot, a confirmation.</summary>
    Boot,
    /// <summary>The booted slot changed from one boot to the next.</summary>
    SlotSwap,
    /// <summary>A rollback, with its evidence.</summary>
    Rollback,
    /// <summary>A machine config change.</summary>
    Config,
    /// <summary>Reset, bootstrap, maintenance.</summary>
    Node,
    /// <summary>Log repairs, checkpoints, forensic findings.</summary>
    Log,
}

/// <summary>One line of an audit timeline.</summary>
/// <param name="Sequence">META sequence number of the event.</param>
/// <param name="Time">Event time.</param>
/// <param name="Kind">Category.</param>
/// <param name="Text">What happened, including evidence for rollbacks.</param>
public sealed record TimelineEntry(ulong Sequence, DateTimeOffset Time, TimelineKind Kind, string Text)
{
    /// <inheritdoc />
    public override string ToString() => $"{Sequence,6}  {Time:yyyy-MM-ddTHH:mm:ss.ffffffZ}  {Kind,-9} {Text}";
}

/// <summary>
/// Turns folded events into a timeline. Pure: the same events give the same lines. Tasks, health results and
/// service changes are left out (they are the evidence inside rollback lines, not lines of their own).
/// </summary>
public static class TimelineBuilder
{
    /// <summary>Builds the timeline of <paramref name="events"/> folded from <paramref name="start"/>.</summary>
    public static IReadOnlyList<TimelineEntry> Build(NodeState start, IEnumerable<NodeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(events);
        var list = new List<TimelineEntry>();
        var state = start;
        var lastBooted = start.BootedSlot;
        foreach (var e in events)
        {
            var before = state;
            state = NodeState.Apply(state, e);
            var time = e.Time?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
            if (Describe(e, before) is { } line)
                list.Add(new TimelineEntry(e.Sequence, time, line.Kind, line.Text));
            if (e.PayloadCase == NodeEvent.PayloadOneofCase.Booted && e.Booted.Slot != Slot.Unspecified)
            {
                if (lastBooted != Slot.Unspecified && lastBooted != e.Booted.Slot)
                    list.Add(new TimelineEntry(e.Sequence, time, TimelineKind.SlotSwap, $"booted slot changed {lastBooted} -> {e.Booted.Slot}"));
                lastBooted = e.Booted.Slot;
            }
        }
        return list;
    }

    private static (TimelineKind Kind, string Text)? Describe(NodeEvent e, NodeState before) => e.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.SequenceStarted => (TimelineKind.Sequence, $"sequence {e.SequenceStarted.Sequence} started (id {e.SequenceId}, actor {e.ActorId})"),
        NodeEvent.PayloadOneofCase.SequenceCompleted => (TimelineKind.Sequence, $"sequence {e.SequenceCompleted.Sequence} completed"),
        NodeEvent.PayloadOneofCase.SequenceFailed => (TimelineKind.Sequence, $"sequence {e.SequenceFailed.Sequence} failed ({e.SequenceFailed.Code}): {e.SequenceFailed.Message}"),
        NodeEvent.PayloadOneofCase.OperationLocked => (TimelineKind.Sequence, $"sequence {e.OperationLocked.Requested} refused: locked by {e.OperationLocked.Running}"),
        NodeEvent.PayloadOneofCase.SequenceResumed => (TimelineKind.Sequence, $"sequence {e.SequenceResumed.Sequence} resumed at {e.SequenceResumed.Phase}/{e.SequenceResumed.Task} (attempt {e.SequenceResumed.Attempt})"),
        NodeEvent.PayloadOneofCase.StepCompensated => (TimelineKind.Sequence, $"step {e.StepCompensated.Phase}/{e.StepCompensated.Task} compensated: {e.StepCompensated.Action}"),
        NodeEvent.PayloadOneofCase.SequenceAbandoned => (TimelineKind.Sequence, $"sequence {e.SequenceAbandoned.Sequence} abandoned: {e.SequenceAbandoned.Reason}"),
        NodeEvent.PayloadOneofCase.SequenceRestored => (TimelineKind.Sequence, $"sequence {e.SequenceRestored.Sequence} failed at {e.SequenceRestored.Phase}/{e.SequenceRestored.Task} " +
            $"before its point of no return ({e.SequenceRestored.Message}); restarted {string.Join(", ", e.SequenceRestored.Restarted)}: the node resumed"),
        NodeEvent.PayloadOneofCase.PhaseStarted => (TimelineKind.Phase, $"phase {e.PhaseStarted.Phase} ({e.PhaseStarted.Index}/{e.PhaseStarted.Count}) of {e.PhaseStarted.Sequence}"),
        NodeEvent.PayloadOneofCase.PhaseFailed => (TimelineKind.Phase, $"phase {e.PhaseFailed.Phase} of {e.PhaseFailed.Sequence} failed: {e.PhaseFailed.Message}"),
        NodeEvent.PayloadOneofCase.DiskLaidOut => (TimelineKind.Disk, $"disk {e.DiskLaidOut.Disk} laid out (guid {e.DiskLaidOut.DiskGuid}, {e.DiskLaidOut.Partitions.Count} partitions)"),
        NodeEvent.PayloadOneofCase.PartitionWiped => (TimelineKind.Disk, $"partition {e.PartitionWiped.Label} wiped"),
        NodeEvent.PayloadOneofCase.ImageWrittenToSlot => (TimelineKind.Disk, $"image {e.ImageWrittenToSlot.Version} ({e.ImageWrittenToSlot.ImageRef}) written to slot {e.ImageWrittenToSlot.Slot}, digest {e.ImageWrittenToSlot.Digest}"),
        NodeEvent.PayloadOneofCase.TrialBootSet => (TimelineKind.Disk, $"trial boot of slot {e.TrialBootSet.Slot} set, {e.TrialBootSet.Tries} tries"),
        NodeEvent.PayloadOneofCase.BootAttempted => (TimelineKind.Boot, $"boot attempted: slot {e.BootAttempted.Slot}{(e.BootAttempted.Trial ? $" (trial, {e.BootAttempted.TriesLeft} tries left)" : "")}"),
        NodeEvent.PayloadOneofCase.Booted => (TimelineKind.Boot, $"booted slot {e.Booted.Slot} version {e.Booted.Version}, measured {e.Booted.MeasuredDigest}"),
        NodeEvent.PayloadOneofCase.BootConfirmed => (TimelineKind.Boot, $"boot of slot {e.BootConfirmed.Slot} ({e.BootConfirmed.Version}) confirmed"),
        NodeEvent.PayloadOneofCase.RolledBack => (TimelineKind.Rollback, RollbackText(e.RolledBack, before)),
        NodeEvent.PayloadOneofCase.ForensicDigestMismatch => (TimelineKind.Log, $"forensic mismatch in {e.ForensicDigestMismatch.Area}: expected {e.ForensicDigestMismatch.Expected}, found {e.ForensicDigestMismatch.Actual}"),
        NodeEvent.PayloadOneofCase.MaintenanceEntered => (TimelineKind.Node, $"maintenance mode: {e.MaintenanceEntered.Reason}"),
        NodeEvent.PayloadOneofCase.ConfigApplied => (TimelineKind.Config, $"config applied ({e.ConfigApplied.Mode}) digest {e.ConfigApplied.Digest}{(e.ConfigApplied.ChangedPaths.Count > 0 ? ", changed " + string.Join(",", e.ConfigApplied.ChangedPaths) : "")}"),
        NodeEvent.PayloadOneofCase.ConfigStaged => (TimelineKind.Config, $"config staged, digest {e.ConfigStaged.Digest}"),
        NodeEvent.PayloadOneofCase.ConfigTryReverted => (TimelineKind.Config, $"try config {e.ConfigTryReverted.RevertedDigest} reverted to {e.ConfigTryReverted.RestoredDigest}: {e.ConfigTryReverted.Reason}"),
        NodeEvent.PayloadOneofCase.BootstrapDone => (TimelineKind.Node, $"cluster {e.BootstrapDone.ClusterName} bootstrapped"),
        NodeEvent.PayloadOneofCase.NodeReset => (TimelineKind.Node, $"reset (preserve={e.NodeReset.Preserve}, graceful={e.NodeReset.Graceful}) wiped {string.Join(",", e.NodeReset.LabelsWiped)}"),
        NodeEvent.PayloadOneofCase.LogRepaired when e.LogRepaired.ResumedAtSequence > 0 => (TimelineKind.Log, $"META damaged after {e.LogRepaired.LastGoodSequence}, nothing cut ({e.LogRepaired.Reason})"),
        NodeEvent.PayloadOneofCase.LogRepaired => (TimelineKind.Log, $"log repaired after {e.LogRepaired.LastGoodSequence}: {e.LogRepaired.RecordsDropped} dropped ({e.LogRepaired.Reason})"),
        NodeEvent.PayloadOneofCase.Checkpoint => (TimelineKind.Log, $"checkpoint up to {e.Checkpoint.UpToSequence}, state {e.Checkpoint.StateHash}"),
        _ => null,
    };

    // The evidence: reason, detail, failed checks, tries used, and what the abandoned slot held.
    private static string RollbackText(RolledBack r, NodeState before)
    {
        var from = before.SlotOf(r.From);
        var checks = r.FailedChecks.Count > 0 ? $", failed checks [{string.Join(",", r.FailedChecks)}]" : "";
        return $"rolled back {r.From} ({(from.HasImage ? from.Version : "empty")}) -> {r.To} ({before.SlotOf(r.To).Version}): {r.Reason}, tries used {r.TriesUsed}{checks}; {r.Detail}";
    }
}
