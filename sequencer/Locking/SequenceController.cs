using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Locking;

/// <summary>A started operation: ids are known at once, <see cref="Completion"/> ends with the run.</summary>
/// <param name="ActorId">Returned to the API caller (filters its events).</param>
/// <param name="SequenceId">Id of the run in the journal.</param>
/// <param name="Completion">The run's report; <see cref="RunResult"/> is absent when the lock refused it.</param>
public sealed record OperationHandle(string ActorId, string SequenceId, Task<OperationReport> Completion);

/// <summary>The end of an operation: <paramref name="Run"/> is null when it was refused (<paramref name="Refusal"/> set).</summary>
public sealed record OperationReport(RunReport? Run, Exception? Refusal);

/// <summary>
/// Starts sequences the way upstream's API handlers do (talos-internals.md §1.4): validate and build the phase list
/// synchronously (bad input throws before anything is recorded), return the actor id at once, then take the
/// priority lock and run in the background. A refusal by the lock appends an OperationLocked event.
/// </summary>
public sealed class SequenceController
{
    private readonly SequenceRunner _runner;
    private readonly PriorityLock<SequenceName> _lock;
    private readonly IIdSource _ids;
    private readonly Func<INodeFacts> _facts;

    /// <summary>Creates the controller; <paramref name="lockBudget"/> is upstream's 1 minute by default.</summary>
    public SequenceController(SequenceRunner runner, IIdSource ids, TimeProvider time, Func<INodeFacts> facts, TimeSpan? lockBudget = null)
    {
        _runner = runner;
        _ids = ids;
        _facts = facts;
        _lock = new PriorityLock<SequenceName>(TakeoverTable.MayPreempt, time, lockBudget ?? TimeSpan.FromMinutes(1), n => n.Wire());
    }

    /// <summary>The lock (tests and machined read its holder).</summary>
    public PriorityLock<SequenceName> Lock => _lock;

    /// <summary>Starts <paramref name="request"/> in the background and returns its ids at once.</summary>
    /// <exception cref="InvalidSequenceRequestException">The request is invalid (nothing was started).</exception>
    public OperationHandle Start(ISequenceRequest request, bool takeover = false)
    {
        var phases = SequenceLibrary.Build(request); // validates: bad input throws here, synchronously
        var actor = _ids.NextId();
        var run = _ids.NextId();
        var completion = Task.Run(() => RunLockedAsync(request, phases, new RunIdentity(run, actor), takeover));
        return new OperationHandle(actor, run, completion);
    }

    /// <summary>
    /// As <see cref="Start"/>, but refuses synchronously (FailedPrecondition) when the lock would refuse now, as upstream's
    /// apply-config. A request racing in between the check and the background acquire is still refused by the lock
    /// itself and reported as an OperationLocked event.
    /// </summary>
    /// <exception cref="SequenceLockedException">Another sequence holds the lock and may not be pre-empted.</exception>
    public OperationHandle StartOrRefuse(ISequenceRequest request, bool takeover = false)
    {
        _lock.ThrowIfRefused(request.Sequence, takeover);
        return Start(request, takeover);
    }

    private async Task<OperationReport> RunLockedAsync(ISequenceRequest request, IReadOnlyList<Phase> phases, RunIdentity id, bool takeover)
    {
        ILockLease lease;
        try
        {
            lease = await _lock.AcquireAsync(request.Sequence, id.SequenceId, takeover, CancellationToken.None);
        }
        catch (SequenceLockedException ex)
        {
            var holder = _lock.Holder;
            await _runner.AppendAsync(new OperationLocked(id.SequenceId, id.ActorId, request.Sequence.Wire(),
                ex.Running, holder?.Owner ?? ""));
            return new OperationReport(null, ex);
        }
        catch (LockTimeoutException ex)
        {
            return new OperationReport(null, ex);
        }
        using (lease)
        {
            var report = await _runner.RunAsync(request, phases, id, _facts(), resume: null, lease.Token);
            return new OperationReport(report, null);
        }
    }
}
