using Talos.Api.Events;
using Talos.Core.Events;
using ApiFailure = Talos.Api.Events.FailureCode;

namespace Talos.Sequencer.Journal;

/// <summary>
/// One-to-one mapping between the sequencer's <see cref="JournalEvent"/> records and the sequencer payloads of the
/// event catalogue (specs/events.md, codes 10-23), so that NodeState's fold sees every step.
/// </summary>
public static class NodeEventMapping
{
    /// <summary>The envelope for <paramref name="e"/>, numbered <paramref name="sequence"/>, stamped by <paramref name="time"/>.</summary>
    public static NodeEvent ToNodeEvent(JournalEvent e, ulong sequence, TimeProvider time) =>
        NodeEvents.Create(sequence, time, e.ActorId, e.SequenceId, n => SetPayload(n, e));

    private static void SetPayload(NodeEvent n, JournalEvent e)
    {
        switch (e)
        {
            case SequenceStarted s: n.SequenceStarted = new() { Sequence = s.Sequence, Request = s.Request }; break;
            case SequenceCompleted s: n.SequenceCompleted = new() { Sequence = s.Sequence }; break;
            case SequenceFailed s: n.SequenceFailed = new() { Sequence = s.Sequence, Code = Code(s.Code), Message = s.Message }; break;
            case PhaseStarted p: n.PhaseStarted = new() { Sequence = p.Sequence, Phase = p.Phase, Index = (uint)p.Index, Count = (uint)p.Count }; break;
            case PhaseCompleted p: n.PhaseCompleted = new() { Sequence = p.Sequence, Phase = p.Phase }; break;
            case PhaseFailed p: n.PhaseFailed = new() { Sequence = p.Sequence, Phase = p.Phase, Code = Code(p.Code), Message = p.Message }; break;
            case TaskStarted t: n.TaskStarted = new() { Sequence = t.Sequence, Phase = t.Phase, Task = t.Task }; break;
            case TaskCompleted t: n.TaskCompleted = new() { Sequence = t.Sequence, Phase = t.Phase, Task = t.Task }; break;
            case TaskFailed t: n.TaskFailed = new() { Sequence = t.Sequence, Phase = t.Phase, Task = t.Task, Code = Code(t.Code), Message = t.Message }; break;
            case OperationLocked l: n.OperationLocked = new() { Requested = l.Sequence, Running = l.Running, RunningSequenceId = l.RunningSequenceId }; break;
            case SequenceResumed r: n.SequenceResumed = new() { Sequence = r.Sequence, Phase = r.Phase, Task = r.Task, Attempt = (uint)r.Attempt }; break;
            case StepCompensated c: n.StepCompensated = new() { Sequence = c.Sequence, Phase = c.Phase, Task = c.Task, Action = c.Action }; break;
            case SequenceAbandoned a: n.SequenceAbandoned = new() { Sequence = a.Sequence, Reason = a.Reason }; break;
            case SequenceRestored r: n.SequenceRestored = new() { Sequence = r.Sequence, Phase = r.Phase, Task = r.Task, Message = r.Message, Restarted = { r.Restarted } }; break;
            default: throw new ArgumentException($"unmapped journal event {e.GetType().Name}", nameof(e));
        }
    }

    /// <summary>The journal record of a sequencer payload, or null for any other payload (boot, disk, config...).</summary>
    public static JournalEvent? FromNodeEvent(NodeEvent n)
    {
        var (sid, aid) = (n.SequenceId, n.ActorId);
        return n.PayloadCase switch
        {
            NodeEvent.PayloadOneofCase.SequenceStarted => new SequenceStarted(sid, aid, n.SequenceStarted.Sequence, n.SequenceStarted.Request),
            NodeEvent.PayloadOneofCase.SequenceCompleted => new SequenceCompleted(sid, aid, n.SequenceCompleted.Sequence),
            NodeEvent.PayloadOneofCase.SequenceFailed => new SequenceFailed(sid, aid, n.SequenceFailed.Sequence, Code(n.SequenceFailed.Code), n.SequenceFailed.Message),
            NodeEvent.PayloadOneofCase.PhaseStarted => new PhaseStarted(sid, aid, n.PhaseStarted.Sequence, n.PhaseStarted.Phase, (int)n.PhaseStarted.Index, (int)n.PhaseStarted.Count),
            NodeEvent.PayloadOneofCase.PhaseCompleted => new PhaseCompleted(sid, aid, n.PhaseCompleted.Sequence, n.PhaseCompleted.Phase),
            NodeEvent.PayloadOneofCase.PhaseFailed => new PhaseFailed(sid, aid, n.PhaseFailed.Sequence, n.PhaseFailed.Phase, Code(n.PhaseFailed.Code), n.PhaseFailed.Message),
            NodeEvent.PayloadOneofCase.TaskStarted => new TaskStarted(sid, aid, n.TaskStarted.Sequence, n.TaskStarted.Phase, n.TaskStarted.Task),
            NodeEvent.PayloadOneofCase.TaskCompleted => new TaskCompleted(sid, aid, n.TaskCompleted.Sequence, n.TaskCompleted.Phase, n.TaskCompleted.Task),
            NodeEvent.PayloadOneofCase.TaskFailed => new TaskFailed(sid, aid, n.TaskFailed.Sequence, n.TaskFailed.Phase, n.TaskFailed.Task, Code(n.TaskFailed.Code), n.TaskFailed.Message),
            NodeEvent.PayloadOneofCase.OperationLocked => new OperationLocked(sid, aid, n.OperationLocked.Requested, n.OperationLocked.Running, n.OperationLocked.RunningSequenceId),
            NodeEvent.PayloadOneofCase.SequenceResumed => new SequenceResumed(sid, aid, n.SequenceResumed.Sequence, n.SequenceResumed.Phase, n.SequenceResumed.Task, (int)n.SequenceResumed.Attempt),
            NodeEvent.PayloadOneofCase.StepCompensated => new StepCompensated(sid, aid, n.StepCompensated.Sequence, n.StepCompensated.Phase, n.StepCompensated.Task, n.StepCompensated.Action),
            NodeEvent.PayloadOneofCase.SequenceAbandoned => new SequenceAbandoned(sid, aid, n.SequenceAbandoned.Sequence, n.SequenceAbandoned.Reason),
            NodeEvent.PayloadOneofCase.SequenceRestored => new SequenceRestored(sid, aid, n.SequenceRestored.Sequence, n.SequenceRestored.Phase,
                n.SequenceRestored.Task, n.SequenceRestored.Message, [.. n.SequenceRestored.Restarted]),
            _ => null,
        };
    }

    private static ApiFailure Code(FailureCode c) => (ApiFailure)(int)c;
    private static FailureCode Code(ApiFailure c) => (FailureCode)(int)c;
}
