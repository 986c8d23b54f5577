using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Partitions.Meta;

namespace Talos.Sequencer.Journal;

/// <summary>
/// <see cref="INodeEventSink"/> over the META log (partitions/Meta): encodes envelopes with the catalogue codec and
/// appends them as one group-committed batch. It must be the only appender of its log, because envelopes carry
/// their sequence number before the log assigns it; a mismatch (another writer) is detected and refused.
/// </summary>
/// <remarks>
/// Records compacted into a checkpoint are no longer readable; crash recovery reads what is stored. A sequence
/// open at a checkpoint stays readable only if its records are still in the region, which the checkpoint
/// carry-over of unmirrored records provides while the fleet mirror lags (issue 6 notes this limit).
/// </remarks>
public sealed class MetaLogEventSink(MetaLog log) : INodeEventSink
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <inheritdoc />
    public ulong NextSequence => log.LastSequence + 1;

    /// <inheritdoc />
    public async ValueTask<ulong> AppendAsync(IReadOnlyList<NodeEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) throw new ArgumentException("nothing to append", nameof(events));
        await _gate.WaitAsync(ct);
        try
        {
            var first = NextSequence;
            for (var i = 0; i < events.Count; i++)
                if (events[i].Sequence != first + (ulong)i)
                    throw new ArgumentException($"event {i} is numbered {events[i].Sequence} but the log's next sequence is {first + (ulong)i}", nameof(events));
            var entries = events.Select(e => new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e))).ToArray();
            var seqs = await log.AppendAsync(entries, ct);
            if (seqs[0] != first)
                throw new InvalidOperationException($"META log assigned {seqs[0]} where {first} was expected: another writer appended concurrently");
            return seqs[^1];
        }
        finally { _gate.Release(); }
    }

    /// <inheritdoc />
    public IEnumerable<NodeEvent> ReadAll() =>
        log.LastSequence == 0 ? [] : log.ReadFrom(log.FirstSequence).Select(r => EventCodec.Decode(r.Payload.Span, r.EventType));
}
