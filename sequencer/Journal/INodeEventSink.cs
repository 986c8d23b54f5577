using Talos.Api.Events;

namespace Talos.Sequencer.Journal;

/// <summary>
/// The node's event log as the sequencer sees it: append envelopes durably, read them back. Implemented over the
/// META log by <see cref="MetaLogEventSink"/>; machined may wrap it to also publish to the event bus.
/// </summary>
public interface INodeEventSink
{
    /// <summary>The sequence number the next appended event will get (envelopes carry it, the fold checks it).</summary>
    ulong NextSequence { get; }

    /// <summary>Appends <paramref name="events"/> (numbered from <see cref="NextSequence"/>); durable on return. Returns the last sequence.</summary>
    ValueTask<ulong> AppendAsync(IReadOnlyList<NodeEvent> events, CancellationToken ct);

    /// <summary>Every stored event, oldest first.</summary>
    IEnumerable<NodeEvent> ReadAll();
}

/// <summary>
/// The sequencer journal over an <see cref="INodeEventSink"/>: each <see cref="JournalEvent"/> becomes one
/// NodeEvent envelope. Appends are serialised here so the envelope's sequence number matches the log's.
/// </summary>
public sealed class NodeEventJournal(INodeEventSink sink, TimeProvider time) : ISequenceJournal
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <inheritdoc />
    public async ValueTask AppendAsync(JournalEvent e, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var envelope = NodeEventMapping.ToNodeEvent(e, sink.NextSequence, time);
            await sink.AppendAsync([envelope], ct);
        }
        finally { _gate.Release(); }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JournalEvent>> ReadAllAsync(CancellationToken ct) =>
        ValueTask.FromResult<IReadOnlyList<JournalEvent>>(
            sink.ReadAll().Select(NodeEventMapping.FromNodeEvent).OfType<JournalEvent>().ToArray());

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JournalEvent>> ReadForRecoveryAsync(CancellationToken ct) =>
        sink is IRecoveryEventSource source && source.TryTakeRecoveryEvents(out var kept)
            ? ValueTask.FromResult(kept)
            : ReadAllAsync(ct);
}

/// <summary>
/// A sink that already read its log once (the fold at boot) and kept what crash recovery needs, so recovery does not
/// read and decode the whole log again.
/// </summary>
public interface IRecoveryEventSource
{
    /// <summary>
    /// Hands over the kept events (see <see cref="ISequenceJournal.ReadForRecoveryAsync"/>) if they still describe the
    /// log as it is now; false once the log has moved or they were taken (callers then read the whole log).
    /// </summary>
    bool TryTakeRecoveryEvents(out IReadOnlyList<JournalEvent> events);
}
