using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Running;

/// <summary>Identity of one run: the operation's actor id and the run's own id (both from an injected id source).</summary>
public sealed record RunIdentity(string SequenceId, string ActorId);

/// <summary>Where a resumed run starts: the 0-based phase index and the tasks of that phase already completed.</summary>
/// <param name="PhaseIndex">The phase to start at (earlier phases are not run again).</param>
/// <param name="CompletedTasks">Tasks of that phase that completed before the crash.</param>
/// <param name="Attempts">Attempt number per re-run task.</param>
/// <param name="PhaseWasStarted">The phase had started: its deferred condition was true then and is not re-evaluated
/// (facts may have changed since, and its open tasks must finish).</param>
public sealed record ResumePoint(int PhaseIndex, IReadOnlySet<string> CompletedTasks, IReadOnlyDictionary<string, int> Attempts, bool PhaseWasStarted = false);

/// <summary>How a run ended; <paramref name="Error"/> is set for <see cref="RunResult.Failed"/>.</summary>
/// <param name="Result">How the run ended.</param>
/// <param name="Error">The failure, for a failed run.</param>
/// <param name="After">What the runner did after a failure (<see cref="FailureRestore"/>): restored, or the node must reboot.</param>
public sealed record RunReport(RunResult Result, Exception? Error = null, AfterFailure After = AfterFailure.None);

/// <summary>
/// The one generic executor (STYLE.md §3): runs any phase list through a Stateless machine, appends every
/// sequence/phase/task start and end to the journal (TaskStarted durable before the side effect), checks
/// cancellation between phases and turns Reboot/PowerOff task outcomes into a clean end of the run.
/// A journal append that throws ends the run at once (the exception propagates): nothing after it is durable.
/// </summary>
public sealed partial class SequenceRunner(ITaskCatalog catalog, ISequenceJournal journal, TimeProvider time, Action<string>? log = null)
{
    private readonly SemaphoreSlim _appendGate = new(1, 1);

    /// <summary>Runs <paramref name="request"/> from the start.</summary>
    public Task<RunReport> RunAsync(ISequenceRequest request, RunIdentity id, INodeFacts facts, CancellationToken ct) =>
        RunAsync(request, SequenceLibrary.Build(request), id, facts, resume: null, ct);

    /// <summary>Runs an explicit phase list (or resumes it at <paramref name="resume"/>; then no SequenceStarted is appended).</summary>
    public async Task<RunReport> RunAsync(ISequenceRequest request, IReadOnlyList<Phase> phases, RunIdentity id, INodeFacts facts,
        ResumePoint? resume, CancellationToken ct)
    {
        var run = new Run(this, request, phases, id, facts, resume, ct);
        var seq = request.Sequence.Wire();
        if (resume is null)
            await AppendAsync(new SequenceStarted(id.SequenceId, id.ActorId, seq, request.Describe()));
        log?.Invoke($"sequence {seq} {(resume is null ? "started" : "resumed")} ({phases.Count} phases)");
        var machine = RunnerMachine.Create(phases, run.EnterPhaseAsync, p => run.ConditionHeld(p));
        run.Machine = machine;
        await machine.FireAsync(ct.IsCancellationRequested ? RunnerTrigger.Cancel : RunnerTrigger.Begin);
        return await FinishAsync(machine.State, run, seq);
    }

    private async Task<RunReport> FinishAsync(string state, Run run, string seq)
    {
        var id = run.Id;
        switch (state)
        {
            case RunnerStates.Done or RunnerStates.Rebooting or RunnerStates.PoweringOff:
                await AppendAsync(new SequenceCompleted(id.SequenceId, id.ActorId, seq));
                log?.Invoke($"sequence {seq} completed ({state})");
                return new RunReport(state switch
                {
                    RunnerStates.Rebooting => RunResult.Reboot,
                    RunnerStates.PoweringOff => RunResult.PowerOff,
                    _ => RunResult.Completed,
                });
            case RunnerStates.Canceled:
                await AppendAsync(new SequenceFailed(id.SequenceId, id.ActorId, seq, FailureCode.Canceled, "sequence failed: canceled"));
                return new RunReport(RunResult.Canceled);
            case RunnerStates.Failed:
                var canceled = run.Error is OperationCanceledException || run.Error?.InnerException is OperationCanceledException;
                var code = canceled ? FailureCode.Canceled : FailureCode.Fatal;
                // Issue 20.1: what a failed run stopped is restarted before its terminal record, so the caller that sees
                // the failure finds the node running again (a cancelled run belongs to the sequence that pre-empted it).
                var after = canceled ? AfterFailure.None : await run.AfterFailureAsync();
                await AppendAsync(new SequenceFailed(id.SequenceId, id.ActorId, seq, code, $"sequence failed: {run.Error?.Message}"));
                return new RunReport(canceled ? RunResult.Canceled : RunResult.Failed, run.Error, after);
            default:
                throw new InvalidOperationException($"runner stopped in non-terminal state '{state}'");
        }
    }

    /// <summary>Appends one event; serialised because tasks of a phase finish concurrently.</summary>
    internal async ValueTask AppendAsync(JournalEvent e)
    {
        // The journal append is deliberately not cancellable: a half-recorded step is worse than a late one.
        await _appendGate.WaitAsync(CancellationToken.None);
        try { await journal.AppendAsync(e, CancellationToken.None); }
        finally { _appendGate.Release(); }
    }

    internal ITaskCatalog Catalog => catalog;
    internal TimeProvider Time => time;
    internal Action<string>? Log => log;
}
