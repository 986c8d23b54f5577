using Talos.Api.Events;

namespace Talos.Core.State;

public sealed partial record NodeState
{
    /// <summary>
    /// Applies one event. Pure and total: never throws for any event; an event that does not fit the state
    /// (duplicate or out-of-order sequence, a phase outside its sequence, a boot of an empty slot, ...) is
    /// recorded in <see cref="Anomalies"/>. Rules per event are in specs/events.md.
    /// </summary>
    public static NodeState Apply(NodeState state, NodeEvent e)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(e);
        if (e.Sequence <= state.LastSequence)
            return state.WithAnomaly(e.Sequence,
                $"event {e.Sequence} ({e.PayloadCase}) is not after {state.LastSequence}; ignored");
        var s = state with { LastSequence = e.Sequence };
        // A checkpoint right after the event it covers can be verified against the fold (invariant 6).
        if (e.Checkpoint is { StateHash.Length: > 0 } cp && cp.UpToSequence == state.LastSequence && cp.StateHash != state.Hash)
            s = s.WithAnomaly(e.Sequence, $"checkpoint at {cp.UpToSequence} says state {cp.StateHash}, the fold gives {state.Hash}");
        if (e.Sequence != state.LastSequence + 1)
            s = s.WithAnomaly(e.Sequence, $"gap: event {e.Sequence} follows {state.LastSequence}");
        return s.ApplyPayload(e);
    }

    private NodeState ApplyPayload(NodeEvent e) => e.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.SequenceStarted => OnSequenceStarted(e),
        NodeEvent.PayloadOneofCase.SequenceCompleted => OnSequenceEnded(e, e.SequenceCompleted.Sequence, null),
        NodeEvent.PayloadOneofCase.SequenceFailed => OnSequenceFailed(e),
        NodeEvent.PayloadOneofCase.PhaseStarted => OnPhase(e, e.PhaseStarted.Phase, true),
        NodeEvent.PayloadOneofCase.PhaseCompleted => OnPhase(e, e.PhaseCompleted.Phase, false),
        NodeEvent.PayloadOneofCase.PhaseFailed => OnPhaseFailed(e),
        NodeEvent.PayloadOneofCase.TaskStarted => OnTaskStarted(e, e.TaskStarted.Task),
        NodeEvent.PayloadOneofCase.TaskCompleted => OnTaskEnded(e, e.TaskCompleted.Task, null),
        NodeEvent.PayloadOneofCase.TaskFailed => OnTaskEnded(e, e.TaskFailed.Task,
            $"task {e.TaskFailed.Task} failed ({e.TaskFailed.Code}): {e.TaskFailed.Message}"),
        NodeEvent.PayloadOneofCase.OperationLocked => this with
        {
            LastError = $"sequence {e.OperationLocked.Requested} not started: locked by {e.OperationLocked.Running}",
        },
        NodeEvent.PayloadOneofCase.SequenceResumed => OnTaskStarted(e, e.SequenceResumed.Task),
        NodeEvent.PayloadOneofCase.StepCompensated => OnTaskEnded(e, e.StepCompensated.Task, null),
        NodeEvent.PayloadOneofCase.SequenceAbandoned => OnSequenceEnded(e, e.SequenceAbandoned.Sequence,
            $"sequence {e.SequenceAbandoned.Sequence} abandoned: {e.SequenceAbandoned.Reason}"),
        // Informational: the run's SequenceFailed follows and closes it (last_error gets its cause).
        NodeEvent.PayloadOneofCase.SequenceRestored => this,
        NodeEvent.PayloadOneofCase.DiskLaidOut => OnDiskLaidOut(e.DiskLaidOut),
        NodeEvent.PayloadOneofCase.PartitionWiped => WipeLabel(e.PartitionWiped.Label, preserveConfig: false),
        NodeEvent.PayloadOneofCase.ImageWrittenToSlot => OnImageWritten(e),
        NodeEvent.PayloadOneofCase.TrialBootSet => OnTrialBootSet(e),
        NodeEvent.PayloadOneofCase.BootAttempted => OnBootAttempted(e),
        NodeEvent.PayloadOneofCase.Booted => OnBooted(e),
        NodeEvent.PayloadOneofCase.HealthCheckResult => OnHealth(e.HealthCheckResult),
        NodeEvent.PayloadOneofCase.BootConfirmed => OnBootConfirmed(e),
        NodeEvent.PayloadOneofCase.RolledBack => OnRolledBack(e),
        NodeEvent.PayloadOneofCase.ForensicDigestMismatch => OnForensicMismatch(e.ForensicDigestMismatch),
        NodeEvent.PayloadOneofCase.MaintenanceEntered => OnMaintenanceEntered(e),
        NodeEvent.PayloadOneofCase.ConfigApplied => OnConfigApplied(e.ConfigApplied),
        NodeEvent.PayloadOneofCase.ConfigStaged => this with { StagedConfigDigest = e.ConfigStaged.Digest },
        NodeEvent.PayloadOneofCase.ConfigTryReverted => OnConfigTryReverted(e),
        NodeEvent.PayloadOneofCase.BootstrapDone => OnBootstrapDone(e),
        NodeEvent.PayloadOneofCase.NodeReset => OnNodeReset(e),
        NodeEvent.PayloadOneofCase.ServiceStateChanged => OnServiceStateChanged(e.ServiceStateChanged),
        NodeEvent.PayloadOneofCase.EtcdMembershipChanged => this with
        {
            EtcdMembers = e.EtcdMembershipChanged.Members,
            Counters = Counters with { EtcdChanges = Counters.EtcdChanges + 1 },
        },
        NodeEvent.PayloadOneofCase.LogRepaired => this with
        {
            Counters = Counters with { LogRepairs = Counters.LogRepairs + 1 },
            LastError = e.LogRepaired.ResumedAtSequence > 0
                ? $"META damaged after {e.LogRepaired.LastGoodSequence}: {e.LogRepaired.Reason}"
                : $"log repaired after {e.LogRepaired.LastGoodSequence}: {e.LogRepaired.Reason}",
        },
        NodeEvent.PayloadOneofCase.Checkpoint => this with { LastCheckpoint = e.Checkpoint.UpToSequence },
        NodeEvent.PayloadOneofCase.MirrorAcknowledged => this with
        {
            MirroredUpTo = Math.Max(MirroredUpTo, e.MirrorAcknowledged.UpToSequence),
        },
        NodeEvent.PayloadOneofCase.MetaKeySet => OnMetaKeySet(e),
        NodeEvent.PayloadOneofCase.MetaKeyDeleted => this with { Meta = Meta.Remove(e.MetaKeyDeleted.Key) },
        NodeEvent.PayloadOneofCase.RecordsDropped => this with
        {
            LastError = $"META records {e.RecordsDropped.FromSequence}..{e.RecordsDropped.ToSequence} dropped before the fleet store acknowledged them: {e.RecordsDropped.Reason}",
        },
        _ => WithAnomaly(e.Sequence, $"event {e.Sequence} has no known payload"),
    };

    private NodeState OnSequenceStarted(NodeEvent e)
    {
        var s = this;
        if (Running is { } r)
            s = s.WithAnomaly(e.Sequence, $"sequence {e.SequenceStarted.Sequence} ({e.SequenceId}) started while {r.Name} ({r.SequenceId}) was running");
        return s with
        {
            Running = new RunningSequence(e.SequenceId, e.SequenceStarted.Sequence, e.ActorId, "", NoTasks, e.Sequence),
        };
    }

    private NodeState OnSequenceFailed(NodeEvent e)
    {
        var f = e.SequenceFailed;
        var error = $"sequence {f.Sequence} failed ({f.Code}): {f.Message}";
        // A LOCKED refusal belongs to a sequence that never ran: it does not end the running one.
        if (f.Code == FailureCode.Locked && Running?.SequenceId != e.SequenceId)
            return this with { LastError = error };
        return OnSequenceEnded(e, f.Sequence, error);
    }

    private NodeState OnSequenceEnded(NodeEvent e, string name, string? error)
    {
        var s = error is null ? this : this with { LastError = error };
        if (Running is null || Running.SequenceId != e.SequenceId)
            return s.WithAnomaly(e.Sequence, $"sequence {name} ({e.SequenceId}) ended but {DescribeRunning()} was running");
        return s with { Running = null };
    }

    private NodeState OnPhase(NodeEvent e, string phase, bool started)
    {
        if (!IsRunning(e))
            return WithAnomaly(e.Sequence, $"phase {phase} of {e.SequenceId} outside its sequence ({DescribeRunning()} running)");
        return this with { Running = Running! with { Phase = started ? phase : "" } };
    }

    private NodeState OnPhaseFailed(NodeEvent e)
    {
        var f = e.PhaseFailed;
        var s = this with { LastError = $"phase {f.Phase} of {f.Sequence} failed ({f.Code}): {f.Message}" };
        if (!IsRunning(e))
            return s.WithAnomaly(e.Sequence, $"phase {f.Phase} of {e.SequenceId} outside its sequence ({DescribeRunning()} running)");
        return s with { Running = Running! with { Phase = "", OpenTasks = NoTasks } };
    }

    private NodeState OnTaskStarted(NodeEvent e, string task)
    {
        if (!IsRunning(e))
            return WithAnomaly(e.Sequence, $"task {task} of {e.SequenceId} outside its sequence ({DescribeRunning()} running)");
        return this with { Running = Running! with { OpenTasks = Running.OpenTasks.Add(task) } };
    }

    private NodeState OnTaskEnded(NodeEvent e, string task, string? error)
    {
        var s = error is null ? this : this with { LastError = error };
        if (!IsRunning(e) || !Running!.OpenTasks.Contains(task))
            return s.WithAnomaly(e.Sequence, $"task {task} of {e.SequenceId} ended but it was not an open step");
        return s with { Running = Running with { OpenTasks = Running.OpenTasks.Remove(task) } };
    }

    private static readonly System.Collections.Immutable.ImmutableSortedSet<string> NoTasks =
        System.Collections.Immutable.ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    private bool IsRunning(NodeEvent e) => Running is not null && Running.SequenceId == e.SequenceId;

    private string DescribeRunning() => Running is null ? "nothing" : $"{Running.Name} ({Running.SequenceId})";
}
