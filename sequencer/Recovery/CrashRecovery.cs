using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Recovery;

/// <summary>What recovery did with one interrupted sequence.</summary>
/// <param name="SequenceId">The run recovered.</param>
/// <param name="Action">Resumed (ran to its end), Compensated/Abandoned (closed), or Failed (closed a failed run).</param>
/// <param name="Result">The resumed run's result, when resumed.</param>
public sealed record RecoveryReport(string SequenceId, RecoveryAction Action, RunResult? Result);

/// <summary>How an interrupted sequence was closed.</summary>
public enum RecoveryAction
{
    /// <summary>Every open task was re-runnable and the request was known: the sequence ran on to its end.</summary>
    Resumed,
    /// <summary>At least one open task was compensated; the sequence was abandoned.</summary>
    Compensated,
    /// <summary>The sequence was abandoned (an open task declared Abandon, or the request is unknown).</summary>
    Abandoned,
    /// <summary>The sequence had already failed; its missing SequenceFailed was appended.</summary>
    Failed,
}

/// <summary>
/// Boot-time crash recovery (issue 6). For every sequence that the journal shows as open:
/// <list type="number">
/// <item>If a phase had failed, append the missing SequenceFailed.</item>
/// <item>If every open task declares ReRun and <c>resolve</c> returns the phase list, append SequenceResumed for each
///   and resume the run from the interrupted phase (the open tasks run again; completed tasks are not repeated).</item>
/// <item>Otherwise re-run the ReRun tasks on their own, run the compensation of each Compensate task (recording
///   StepCompensated), close each Abandon task with TaskFailed(CANCELED, "abandoned: ..."), and append SequenceAbandoned.</item>
/// </list>
/// Recovery is itself crash-safe: every step it takes is journaled, compensations are idempotent, and running it
/// again after a crash picks up where it stopped.
/// </summary>
public sealed class CrashRecovery(ISequenceJournal journal, ITaskCatalog catalog, SequenceRunner runner)
{
    /// <summary>Recovers every interrupted sequence, rebuilding each request from its SequenceStarted text (<see cref="RequestCodec"/>).</summary>
    public Task<IReadOnlyList<RecoveryReport>> RecoverAsync(INodeFacts facts, CancellationToken ct) =>
        RecoverAsync(s => RequestCodec.TryParse(s.Sequence, s.Request), facts, ct);

    /// <summary>Recovers every interrupted sequence; <paramref name="resolve"/> rebuilds the request of a run (null = unknown).</summary>
    public async Task<IReadOnlyList<RecoveryReport>> RecoverAsync(Func<InterruptedSequence, ISequenceRequest?> resolve, INodeFacts facts, CancellationToken ct)
    {
        var reports = new List<RecoveryReport>();
        foreach (var s in JournalAnalysis.FindInterrupted(await journal.ReadForRecoveryAsync(ct)))
            reports.Add(await RecoverOneAsync(s, resolve(s), facts, ct));
        return reports;
    }

    private async Task<RecoveryReport> RecoverOneAsync(InterruptedSequence s, ISequenceRequest? request, INodeFacts facts, CancellationToken ct)
    {
        if (s.PhaseFailure is { } failed)
        {
            await runner.AppendAsync(new SequenceFailed(s.SequenceId, s.ActorId, s.Sequence, failed.Code, $"sequence failed: {failed.Message}"));
            return new RecoveryReport(s.SequenceId, RecoveryAction.Failed, null);
        }
        var phases = request is null ? null : SequenceLibrary.Build(request);
        var policies = s.OpenTasks.Select(t => (Open: t, Policy: PolicyOf(t.Task, phases))).ToList();
        if (phases is not null && request is not null && policies.All(p => p.Policy is TaskRecovery.ReRun))
            return await ResumeAsync(s, request, phases, facts, ct);

        var compensated = false;
        foreach (var (open, policy) in policies)
        {
            switch (policy)
            {
                case TaskRecovery.ReRun:
                    await ReRunAloneAsync(s, open, request, facts, ct);
                    break;
                case TaskRecovery.Compensate c:
                    await RunCatalogTaskAsync(c.CompensationTask, s, open.Phase, 1, request, facts, ct);
                    await runner.AppendAsync(new StepCompensated(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task, c.CompensationTask));
                    compensated = true;
                    break;
                default:
                    // Close the step explicitly so no TaskStarted is left without an end (the catalogue has no TaskAbandoned).
                    await runner.AppendAsync(new TaskFailed(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task, FailureCode.Canceled,
                        "abandoned: interrupted by power loss"));
                    break;
            }
        }
        var reason = request is null ? "interrupted by power loss; request unknown, not resumable"
            : compensated ? "interrupted by power loss; open steps compensated"
            : "interrupted by power loss; an open step declares abandon";
        await runner.AppendAsync(new SequenceAbandoned(s.SequenceId, s.ActorId, s.Sequence, reason));
        return new RecoveryReport(s.SequenceId, compensated ? RecoveryAction.Compensated : RecoveryAction.Abandoned, null);
    }

    private async Task<RecoveryReport> ResumeAsync(InterruptedSequence s, ISequenceRequest request, IReadOnlyList<Phase> phases, INodeFacts facts, CancellationToken ct)
    {
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var open in s.OpenTasks)
        {
            attempts[open.Task] = open.PreviousAttempts + 1;
            await runner.AppendAsync(new SequenceResumed(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task, open.PreviousAttempts + 1));
        }
        int index;
        if (s.CurrentPhase is { } current) index = IndexOf(phases, current);
        else if (s.LastCompletedPhase is { } done) index = IndexOf(phases, done) + 1;
        else index = 0;
        var completed = s.CurrentPhase is null ? new HashSet<string>() : s.CompletedInCurrentPhase;
        var report = await runner.RunAsync(request, phases, new RunIdentity(s.SequenceId, s.ActorId), facts,
            new ResumePoint(index, completed, attempts, PhaseWasStarted: s.CurrentPhase is not null), ct);
        return new RecoveryReport(s.SequenceId, RecoveryAction.Resumed, report.Result);
    }

    /// <summary>Re-runs one open task between its own write-ahead records (used when the sequence is abandoned).</summary>
    private async Task ReRunAloneAsync(InterruptedSequence s, OpenTask open, ISequenceRequest? request, INodeFacts facts, CancellationToken ct)
    {
        var attempt = open.PreviousAttempts + 1;
        await runner.AppendAsync(new SequenceResumed(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task, attempt));
        await runner.AppendAsync(new TaskStarted(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task));
        try
        {
            await RunCatalogTaskAsync(open.Task, s, open.Phase, attempt, request, facts, ct);
        }
        catch (Exception ex) when (!PowerLoss.IsPowerLoss(ex))
        {
            await runner.AppendAsync(new TaskFailed(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task, FailureCode.Fatal, ex.Message));
            return;
        }
        await runner.AppendAsync(new TaskCompleted(s.SequenceId, s.ActorId, s.Sequence, open.Phase, open.Task));
    }

    private async Task RunCatalogTaskAsync(string name, InterruptedSequence s, string phase, int attempt, ISequenceRequest? request, INodeFacts facts, CancellationToken ct)
    {
        var impl = catalog.Find(name) ?? throw new UnknownTaskException(name);
        var seq = SequenceNames.Parse(s.Sequence);
        var ctx = new TaskContext(seq, s.SequenceId, s.ActorId, request ?? new UnknownRequest(seq, s.Request), phase, name, attempt, facts);
        // A recovery-time Reboot/PowerOff outcome is ignored: the node is already booting, and the sequence is closed.
        _ = await impl.RunAsync(ctx, ct);
    }

    private static TaskRecovery PolicyOf(string task, IReadOnlyList<Phase>? phases) =>
        phases?.SelectMany(p => p.Tasks).FirstOrDefault(t => t.Name == task)?.Recovery
        ?? TaskDirectory.Find(task)?.Recovery
        ?? TaskRecovery.Drop; // an unknown task cannot be trusted to be idempotent

    private static int IndexOf(IReadOnlyList<Phase> phases, string name)
    {
        for (var i = 0; i < phases.Count; i++) if (phases[i].Name == name) return i;
        throw new InvalidOperationException($"phase '{name}' of the journal is not in the rebuilt sequence; the request does not match the run");
    }

    /// <summary>Stands in for a request that could not be rebuilt (its recorded text is kept for the task).</summary>
    private sealed record UnknownRequest(SequenceName Sequence, string Text) : ISequenceRequest
    {
        public string Describe() => Text;
    }
}
