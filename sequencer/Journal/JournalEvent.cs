namespace Talos.Sequencer.Journal;

/// <summary>Failure codes, numbered as upstream's common.Error.Code and the event catalogue's FailureCode.</summary>
public enum FailureCode
{
    /// <summary>A task failed.</summary>
    Fatal = 0,
    /// <summary>Refused: another sequence holds the lock.</summary>
    Locked = 1,
    /// <summary>Cancelled (pre-empted).</summary>
    Canceled = 2,
}

/// <summary>
/// One write-ahead record of the sequencer. Each case maps one-to-one onto a sequencer payload of the event
/// catalogue (specs/protos/talos/events.proto, fields 10-22); every record carries the run's sequence id and
/// the actor id of the operation that asked for it.
/// </summary>
public abstract record JournalEvent(string SequenceId, string ActorId, string Sequence);

/// <summary>A run began. <paramref name="Request"/> is the request's canonical <c>Describe()</c>.</summary>
public sealed record SequenceStarted(string SequenceId, string ActorId, string Sequence, string Request) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>A run ended normally (also when it ended by asking for a reboot or power-off).</summary>
public sealed record SequenceCompleted(string SequenceId, string ActorId, string Sequence) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>A run ended by a failure or cancellation.</summary>
public sealed record SequenceFailed(string SequenceId, string ActorId, string Sequence, FailureCode Code, string Message) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>A phase began (1-based <paramref name="Index"/> of <paramref name="Count"/>, as "phase x (n/m)").</summary>
public sealed record PhaseStarted(string SequenceId, string ActorId, string Sequence, string Phase, int Index, int Count) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Every task of the phase ended without a fatal error.</summary>
public sealed record PhaseCompleted(string SequenceId, string ActorId, string Sequence, string Phase) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>A task of the phase failed.</summary>
public sealed record PhaseFailed(string SequenceId, string ActorId, string Sequence, string Phase, FailureCode Code, string Message) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Write-ahead: durable BEFORE the task's side effect.</summary>
public sealed record TaskStarted(string SequenceId, string ActorId, string Sequence, string Phase, string Task) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Durable AFTER the task's side effect succeeded.</summary>
public sealed record TaskCompleted(string SequenceId, string ActorId, string Sequence, string Phase, string Task) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>The task threw (or was cancelled).</summary>
public sealed record TaskFailed(string SequenceId, string ActorId, string Sequence, string Phase, string Task, FailureCode Code, string Message) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>A request was refused by the lock. <paramref name="Sequence"/> is the requested one.</summary>
public sealed record OperationLocked(string SequenceId, string ActorId, string Sequence, string Running, string RunningSequenceId) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Recovery: the open task is re-run (<paramref name="Attempt"/> ≥ 2).</summary>
public sealed record SequenceResumed(string SequenceId, string ActorId, string Sequence, string Phase, string Task, int Attempt) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Recovery: the open task's partial effect was undone by <paramref name="Action"/>.</summary>
public sealed record StepCompensated(string SequenceId, string ActorId, string Sequence, string Phase, string Task, string Action) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>Recovery: the sequence will not be continued.</summary>
public sealed record SequenceAbandoned(string SequenceId, string ActorId, string Sequence, string Reason) : JournalEvent(SequenceId, ActorId, Sequence);
/// <summary>
/// A run that failed before its point of no return was undone (issue 20.1): <paramref name="Restarted"/> are the undo
/// tasks that ran (services, mounts), recorded just before its SequenceFailed. <paramref name="Phase"/> and <paramref name="Task"/> name
/// the failure and <paramref name="Message"/> is its cause; the node runs on as before the request.
/// </summary>
public sealed record SequenceRestored(string SequenceId, string ActorId, string Sequence, string Phase, string Task, string Message, IReadOnlyList<string> Restarted)
    : JournalEvent(SequenceId, ActorId, Sequence);
