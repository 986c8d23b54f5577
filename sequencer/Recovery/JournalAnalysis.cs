using Talos.Sequencer.Journal;

namespace Talos.Sequencer.Recovery;

/// <summary>A task whose TaskStarted is durable but whose end (completed, failed, compensated) is not.</summary>
public sealed record OpenTask(string Phase, string Task, int PreviousAttempts);

/// <summary>A sequence with a SequenceStarted and no terminal event (completed, failed, abandoned).</summary>
/// <param name="SequenceId">Run id.</param>
/// <param name="ActorId">Operation id.</param>
/// <param name="Sequence">Wire name.</param>
/// <param name="Request">The request's <c>Describe()</c> text.</param>
/// <param name="OpenTasks">Tasks started and not ended, in start order.</param>
/// <param name="CurrentPhase">The last phase started and not completed, or null.</param>
/// <param name="LastCompletedPhase">The last phase completed, or null.</param>
/// <param name="CompletedInCurrentPhase">Tasks of <paramref name="CurrentPhase"/> already completed.</param>
/// <param name="PhaseFailure">Set when a PhaseFailed is durable but the SequenceFailed after it is not.</param>
public sealed record InterruptedSequence(string SequenceId, string ActorId, string Sequence, string Request,
    IReadOnlyList<OpenTask> OpenTasks, string? CurrentPhase, string? LastCompletedPhase, IReadOnlySet<string> CompletedInCurrentPhase,
    PhaseFailed? PhaseFailure);

/// <summary>Pure reading of a journal: which sequences are open and which of their tasks are open.</summary>
public static class JournalAnalysis
{
    /// <summary>True for events that close a sequence.</summary>
    public static bool IsTerminal(JournalEvent e) => e is SequenceCompleted or SequenceFailed or SequenceAbandoned;

    /// <summary>Every interrupted sequence, oldest first.</summary>
    public static IReadOnlyList<InterruptedSequence> FindInterrupted(IReadOnlyList<JournalEvent> events)
    {
        // One pass to group by run (logs hold many finished sequences), in order of first appearance.
        var bySequence = new Dictionary<string, List<JournalEvent>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var e in events)
        {
            if (e is OperationLocked) continue; // a refused request never ran
            if (!bySequence.TryGetValue(e.SequenceId, out var list))
            {
                bySequence[e.SequenceId] = list = [];
                order.Add(e.SequenceId);
            }
            list.Add(e);
        }
        var result = new List<InterruptedSequence>();
        foreach (var id in order)
        {
            var mine = bySequence[id];
            if (mine[0] is not SequenceStarted s || mine.Any(IsTerminal)) continue;
            result.Add(Analyse(s, mine));
        }
        return result;
    }

    private static InterruptedSequence Analyse(SequenceStarted s, List<JournalEvent> mine)
    {
        var last = new Dictionary<(string, string), JournalEvent>();
        var order = new List<(string Phase, string Task)>();
        var resumes = new Dictionary<(string, string), int>();
        string? current = null, lastCompleted = null;
        PhaseFailed? failure = null;
        var completedInCurrent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in mine)
        {
            switch (e)
            {
                case PhaseStarted p:
                    if (current != p.Phase) completedInCurrent.Clear();
                    current = p.Phase;
                    break;
                case PhaseCompleted p:
                    lastCompleted = p.Phase; current = null; completedInCurrent.Clear();
                    break;
                case TaskStarted t:
                    if (!order.Contains((t.Phase, t.Task))) order.Add((t.Phase, t.Task));
                    last[(t.Phase, t.Task)] = t;
                    break;
                case TaskCompleted t:
                    last[(t.Phase, t.Task)] = t;
                    if (t.Phase == current) completedInCurrent.Add(t.Task);
                    break;
                case TaskFailed or StepCompensated:
                    var key = e is TaskFailed f ? (f.Phase, f.Task) : (((StepCompensated)e).Phase, ((StepCompensated)e).Task);
                    last[key] = e;
                    break;
                case PhaseFailed p:
                    failure = p;
                    break;
                case SequenceResumed r:
                    resumes[(r.Phase, r.Task)] = Math.Max(resumes.GetValueOrDefault((r.Phase, r.Task)), r.Attempt);
                    break;
            }
        }
        var open = order.Where(k => last[k] is TaskStarted)
            .Select(k => new OpenTask(k.Phase, k.Task, Math.Max(1, resumes.GetValueOrDefault(k)))).ToList();
        return new InterruptedSequence(s.SequenceId, s.ActorId, s.Sequence, s.Request, open, current, lastCompleted, completedInCurrent, failure);
    }
}
