using Talos.Sequencer.Errors;

namespace Talos.Sequencer.Locking;

/// <summary>
/// One holder at a time, with pre-emption decided by a table (STYLE.md §4). A request is granted when the lock is
/// idle; when the (running → requested) pair is in the take-over table, or the caller asks for a takeover, the
/// running holder's token is cancelled and the request waits (bounded by the budget) for it to release; otherwise
/// it is refused at once with <see cref="SequenceLockedException"/>.
/// </summary>
/// <typeparam name="T">Holder kind (the sequence name).</typeparam>
public sealed class PriorityLock<T>(Func<T, T, bool> mayPreempt, TimeProvider time, TimeSpan budget, Func<T, string>? describe = null) where T : notnull
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Lease? _holder;

    /// <summary>The current holder, or default when idle.</summary>
    public (T Kind, string Owner)? Holder => _holder is { } h ? (h.Kind, h.Owner) : null;

    /// <summary>Acquires for <paramref name="kind"/> (owner id <paramref name="owner"/>), pre-empting when the table allows.</summary>
    /// <exception cref="SequenceLockedException">The holder may not be pre-empted by <paramref name="kind"/>.</exception>
    /// <exception cref="LockTimeoutException">The pre-empted holder did not release within the budget.</exception>
    public async Task<ILockLease> AcquireAsync(T kind, string owner, bool takeover, CancellationToken ct)
    {
        // One budget covers entering the critical section and waiting for the victim, as upstream's 1-minute budget.
        using var timeout = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try { await _gate.WaitAsync(linked.Token); }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new LockTimeoutException(Name(kind), budget);
        }
        try
        {
            if (_holder is { } running)
            {
                if (!takeover && !mayPreempt(running.Kind, kind)) throw new SequenceLockedException(Name(kind), Name(running.Kind));
                await running.CancelAsync();
                try { await running.Released.WaitAsync(linked.Token); }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    throw new LockTimeoutException(Name(kind), budget);
                }
            }
            _holder = new Lease(this, kind, owner);
            return _holder;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Throws <see cref="SequenceLockedException"/> now if <paramref name="kind"/> would be refused (for synchronous API answers).</summary>
    public void ThrowIfRefused(T kind, bool takeover)
    {
        if (_holder is { } running && !takeover && !mayPreempt(running.Kind, kind))
            throw new SequenceLockedException(Name(kind), Name(running.Kind));
    }

    private string Name(T kind) => describe?.Invoke(kind) ?? kind.ToString() ?? "";

    private void Release(Lease lease)
    {
        // Only the current holder clears the slot; a pre-empted lease released late must not evict its successor.
        Interlocked.CompareExchange(ref _holder, null, lease);
        lease.ReleasedSource.TrySetResult();
    }

    private sealed class Lease(PriorityLock<T> owner, T kind, string ownerId) : ILockLease
    {
        private readonly CancellationTokenSource _cts = new();
        public T Kind { get; } = kind;
        public string Owner { get; } = ownerId;
        public TaskCompletionSource ReleasedSource { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Released => ReleasedSource.Task;
        public CancellationToken Token => _cts.Token;
        public Task CancelAsync() => _cts.CancelAsync();
        public void Dispose() => owner.Release(this);
    }
}

/// <summary>A held lock. <see cref="Token"/> is cancelled when a later request pre-empts it; dispose to release.</summary>
public interface ILockLease : IDisposable
{
    /// <summary>Cancelled on pre-emption; the holder should stop at the next phase boundary.</summary>
    CancellationToken Token { get; }
}
