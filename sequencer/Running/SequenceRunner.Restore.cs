using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;

namespace Talos.Sequencer.Running;

public sealed partial class SequenceRunner
{
    private sealed partial class Run
    {
        /// <summary>
        /// After a failed run (before its SequenceFailed, which stays its terminal record): restart what it stopped when it failed before its point of
        /// no return, recorded as SequenceRestored; ask for a reboot when it failed after it (<see cref="FailureRestore"/>).
        /// Still inside the run's lock, so no other sequence sees the half-stopped node. A resumed run is left alone:
        /// crash recovery runs before the boot loader, and the boot that follows starts everything.
        /// </summary>
        public async Task<AfterFailure> AfterFailureAsync()
        {
            if (resume is not null) return AfterFailure.None;
            string[] started;
            lock (_started) started = [.. _started];
            var plan = FailureRestore.Plan(started);
            if (plan is null) return AfterFailure.None;
            var (phase, task) = Error is PhaseFailedException f ? (f.Phase, f.Task) : ("", "");
            var cause = (Error as PhaseFailedException)?.InnerException?.Message ?? Error?.Message ?? "unknown failure";
            if (plan.PastPointOfNoReturn)
            {
                owner.Log?.Invoke($"sequence {Seq} failed after its point of no return ({phase}/{task}): rebooting");
                return AfterFailure.Reboot;
            }
            foreach (var undo in plan.UndoTasks)
            {
                try
                {
                    var impl = owner.Catalog.Find(undo) ?? throw new UnknownTaskException(undo);
                    _ = await impl.RunAsync(new TaskContext(request.Sequence, id.SequenceId, id.ActorId, request, RestorePhase, undo, 1, facts), ct);
                }
                catch (Exception ex) when (!PowerLoss.IsPowerLoss(ex))
                {
                    // The node could not be put back by restarting: a reboot starts everything from the log.
                    owner.Log?.Invoke($"sequence {Seq}: restore task {undo} failed ({ex.Message}): rebooting");
                    return AfterFailure.Reboot;
                }
            }
            await owner.AppendAsync(new SequenceRestored(id.SequenceId, id.ActorId, Seq, phase, task, cause, plan.UndoTasks));
            owner.Log?.Invoke($"sequence {Seq} failed before its point of no return ({phase}/{task}): restored ({string.Join(", ", plan.UndoTasks)})");
            return AfterFailure.Restored;
        }
    }

    /// <summary>Phase name in the context of the undo tasks a restore runs (no step records: their effects are volatile, and the boot after a power loss starts everything anyway).</summary>
    public const string RestorePhase = "restore";
}
