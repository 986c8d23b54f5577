namespace Talos.Sequencer.Journal;

/// <summary>
/// Where the runner records its write-ahead events. Contract: when <see cref="AppendAsync"/> returns, the event is
/// durable (flushed); if it throws, the runner stops at once and performs no further side effect.
/// Implementations must accept concurrent callers (tasks of one phase run concurrently).
/// </summary>
public interface ISequenceJournal
{
    /// <summary>Appends and flushes one event.</summary>
    ValueTask AppendAsync(JournalEvent e, CancellationToken ct);

    /// <summary>Every durable event, oldest first (crash recovery reads this at boot).</summary>
    ValueTask<IReadOnlyList<JournalEvent>> ReadAllAsync(CancellationToken ct);

    /// <summary>
    /// The events crash recovery needs: any subset of <see cref="ReadAllAsync"/> over which
    /// <c>JournalAnalysis.FindInterrupted</c> gives the same result (e.g. only the runs still open). Defaults to all.
    /// </summary>
    ValueTask<IReadOnlyList<JournalEvent>> ReadForRecoveryAsync(CancellationToken ct) => ReadAllAsync(ct);
}

/// <summary>
/// An in-memory journal: durable for the life of the object, which is what tests need to model a log that
/// survives a simulated power loss (the runner is discarded, the journal object is kept).
/// </summary>
public sealed class InMemoryJournal : ISequenceJournal
{
    private readonly List<JournalEvent> _events = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public ValueTask AppendAsync(JournalEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate) _events.Add(e);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JournalEvent>> ReadAllAsync(CancellationToken ct)
    {
        lock (_gate) return ValueTask.FromResult<IReadOnlyList<JournalEvent>>(_events.ToArray());
    }

    /// <summary>A snapshot of the events.</summary>
    public IReadOnlyList<JournalEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }
}
