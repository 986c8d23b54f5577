using Stateless;
using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;

namespace Talos.Sequencer.Running;

public sealed partial class SequenceRunner
{
    /// <summary>State of one run: the phase executor that the machine's entry actions call.</summary>
    private sealed partial class Run(SequenceRunner owner, ISequenceRequest request, IReadOnlyList<Phase> phases, RunIdentity id,
        INodeFacts facts, ResumePoint? resume, CancellationToken ct)
    {
        private readonly Dictionary<string, bool> _conditions = [];
        private readonly List<string> _started = [];
        public RunIdentity Id => id;
        public Exception? Error { get; private set; }
        public StateMachine<string, RunnerTrigger> Machine { get; set; } = null!;
        private string Seq => request.Sequence.Wire();

        public bool ConditionHeld(Phase p) => _conditions.TryGetValue(p.Name, out var held) && held;

        public async Task EnterPhaseAsync(int index)
        {
            var trigger = await ExecutePhaseAsync(index);
            if (trigger == RunnerTrigger.PhaseDone && ct.IsCancellationRequested) trigger = RunnerTrigger.Cancel;
            // Queued mode: this returns at once; the outer FireAsync drains the queue.
            await Machine.FireAsync(trigger);
        }

        private async Task<RunnerTrigger> ExecutePhaseAsync(int index)
        {
            var phase = phases[index];
            if (resume is not null && index < resume.PhaseIndex)
            {
                _conditions[phase.Name] = true; // already ran before the crash
                return RunnerTrigger.PhaseDone;
            }
            var probe = Context(phase, phase.Tasks[0].Name, 1);
            var decided = resume is { PhaseWasStarted: true } && index == resume.PhaseIndex;
            var held = decided || (phase.Condition?.Predicate(probe) ?? true);
            _conditions[phase.Name] = held;
            if (!held)
            {
                owner.Log?.Invoke($"phase {phase.Name} ({index + 1}/{phases.Count}): skipped ({phase.Condition!.Description} is false)");
                return RunnerTrigger.PhaseSkipped;
            }
            var started = owner.Time.GetTimestamp();
            await owner.AppendAsync(new PhaseStarted(id.SequenceId, id.ActorId, Seq, phase.Name, index + 1, phases.Count));
            owner.Log?.Invoke($"phase {phase.Name} ({index + 1}/{phases.Count}): {phase.Tasks.Count} task(s)");
            var skip = resume is not null && index == resume.PhaseIndex ? resume.CompletedTasks : new HashSet<string>();
            using var siblings = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var runs = phase.Tasks.Select((t, i) => skip.Contains(t.Name)
                ? Task.FromResult<(TaskOutcome, Exception?)>((TaskOutcome.Continue, null))
                : RunTaskAsync(phase, t, siblings)).ToArray();
            var results = await Task.WhenAll(runs);
            // Report the root cause: a sibling cancelled because of it fails with OperationCanceledException.
            var failedAt = Array.FindIndex(results, r => r.Item2 is { } e && e is not OperationCanceledException);
            if (failedAt < 0) failedAt = Array.FindIndex(results, r => r.Item2 is not null);
            if (failedAt >= 0)
            {
                var i = failedAt;
                var err = results[i].Item2!;
                var failure = new PhaseFailedException(Seq, phase.Name, index + 1, phase.Tasks[i].Name, i + 1, phase.Tasks.Count, err);
                Error = failure;
                var code = err is OperationCanceledException ? FailureCode.Canceled : FailureCode.Fatal;
                await owner.AppendAsync(new PhaseFailed(id.SequenceId, id.ActorId, Seq, phase.Name, code, failure.Message));
                return RunnerTrigger.Fail;
            }
            await owner.AppendAsync(new PhaseCompleted(id.SequenceId, id.ActorId, Seq, phase.Name));
            owner.Log?.Invoke($"phase {phase.Name} ({index + 1}/{phases.Count}): done, {owner.Time.GetElapsedTime(started).TotalMilliseconds:0}ms");
            var outcomes = results.Select(r => r.Item1).ToArray();
            return outcomes.Contains(TaskOutcome.PowerOff) ? RunnerTrigger.PowerOff
                : outcomes.Contains(TaskOutcome.Reboot) ? RunnerTrigger.Reboot
                : RunnerTrigger.PhaseDone;
        }

        /// <summary>Runs one task between its write-ahead records. Journal failures propagate; task failures are returned.</summary>
        private async Task<(TaskOutcome, Exception?)> RunTaskAsync(Phase phase, TaskDescriptor task, CancellationTokenSource siblings)
        {
            var impl = owner.Catalog.Find(task.Name) ?? throw new UnknownTaskException(task.Name);
            var attempt = resume is not null && resume.Attempts.TryGetValue(task.Name, out var a) ? a : 1;
            lock (_started) _started.Add(task.Name);
            await owner.AppendAsync(new TaskStarted(id.SequenceId, id.ActorId, Seq, phase.Name, task.Name));
            Exception? error = null;
            var outcome = TaskOutcome.Continue;
            try
            {
                siblings.Token.ThrowIfCancellationRequested();
                outcome = await impl.RunAsync(Context(phase, task.Name, attempt), siblings.Token);
            }
            catch (Exception ex) when (!PowerLoss.IsPowerLoss(ex))
            {
                error = ex;
            }
            if (error is null)
            {
                await owner.AppendAsync(new TaskCompleted(id.SequenceId, id.ActorId, Seq, phase.Name, task.Name));
                return (outcome, null);
            }
            var code = error is OperationCanceledException ? FailureCode.Canceled : FailureCode.Fatal;
            await owner.AppendAsync(new TaskFailed(id.SequenceId, id.ActorId, Seq, phase.Name, task.Name, code, error.Message));
            switch (task.Failure)
            {
                case FailurePolicy.BestEffort:
                    return (TaskOutcome.Continue, null);
                case FailurePolicy.PauseThenFail pause when error is not OperationCanceledException:
                    owner.Log?.Invoke($"task {task.Name} failed, rebooting in {pause.Pause.TotalMinutes:0} minutes. " +
                        "You can use talosctl apply-config or talosctl edit mc to fix the issues");
                    // Siblings keep running during the pause; cancellation (pre-emption) ends the pause early.
                    try { await Task.Delay(pause.Pause, owner.Time, ct); }
                    catch (OperationCanceledException) { }
                    break;
            }
            await siblings.CancelAsync(); // first failure cancels the siblings, as upstream's errgroup
            return (TaskOutcome.Continue, error);
        }

        private TaskContext Context(Phase phase, string task, int attempt) =>
            new(request.Sequence, id.SequenceId, id.ActorId, request, phase.Name, task, attempt, facts);
    }
}
