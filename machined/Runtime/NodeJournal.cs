using System.Threading.Channels;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.State;
using Talos.Partitions.Meta;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;

namespace Talos.Machined.Runtime;

/// <summary>
/// The node's history: every event is numbered, appended durably to the META log (before it is acknowledged) and
/// folded into <see cref="State"/>, so the node's state is always the fold of its log (ARCHITECTURE.md).
/// Before the disk is laid out there is no META log: events are held in memory (they describe a blank disk's
/// maintenance boot) and written as the first records when <see cref="AttachAsync"/> opens the new log.
/// Subscribers (the Events API, talosctl --wait) get every event after it is durable; a subscriber that falls more
/// than 4096 events behind is dropped and must resume from the log by sequence number.
/// </summary>
public sealed class NodeJournal : INodeEventSink, IRecoveryEventSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly List<NodeEvent> _pending = new();
    private readonly List<Channel<NodeEvent>> _subscribers = new();
    private readonly object _subGate = new();
    private MetaLog? _log;
    private NodeState _state = NodeState.Initial;
    private RecoveryView? _recovery;

    // What the attach fold kept for crash recovery, valid while the log it was read from has not moved.
    private sealed record RecoveryView(MetaLog Log, ulong FirstSequence, ulong LastSequence, IReadOnlyList<JournalEvent> Events);

    /// <summary>Creates a journal with no log attached yet.</summary>
    public NodeJournal(TimeProvider time) => _time = time;

    /// <summary>The fold of every event so far.</summary>
    public NodeState State => Volatile.Read(ref _state);

    /// <summary>The attached META log, or null before the disk is laid out.</summary>
    public MetaLog? Log => _log;

    /// <summary>The sequence number the next event gets.</summary>
    public ulong NextSequence => State.LastSequence + 1;

    /// <summary>
    /// Called with the last sequence of each batch once it is durable in META, under the journal's lock (issue #22: the
    /// runtime signs a head every few records). Null: nothing is called.
    /// </summary>
    internal Action<ulong>? Durable { get; set; }

    /// <summary>
    /// Attaches an opened META log: folds what it holds (from its checkpoint snapshot when it has one), then appends
    /// any events held in memory. Returns the recovered state.
    /// </summary>
    public async Task<NodeState> AttachAsync(MetaLog log, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _log = log;
            var scan = new InterruptedScan();
            var state = Fold(log, scan);
            var held = _pending.ToList();
            _pending.Clear();
            Volatile.Write(ref _state, state);
            var first = log.FirstSequence;
            if (held.Count > 0)
            {
                await AppendLockedAsync(held, ct);
                foreach (var e in held) Offer(scan, e);
            }
            _recovery = new RecoveryView(log, first, log.LastSequence, scan.Retained);
            return State;
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// The state a META log holds: its checkpoint snapshot (if any) plus every later record. Records carried over
    /// from before the checkpoint (kept for the mirror) are already in the snapshot and are skipped.
    /// </summary>
    public static NodeState Fold(MetaLog log) => Fold(log, null);

    /// <summary>
    /// <see cref="Fold(MetaLog)"/> that also offers every readable record (carried-over ones too, as
    /// <see cref="ReadAll"/> returns them) to <paramref name="scan"/>, decoding each record once.
    /// </summary>
    private static NodeState Fold(MetaLog log, InterruptedScan? scan)
    {
        var cp = log.Checkpoint;
        var state = cp.Snapshot.Length > 0 ? NodeState.FromSnapshot(cp.Snapshot) : NodeState.Initial;
        if (log.LastSequence == 0 || log.LastSequence < log.FirstSequence) return state;
        foreach (var r in log.ReadFrom(log.FirstSequence))
        {
            var folded = r.Sequence > cp.CheckpointSequence;
            if (!folded && scan is null) continue;
            var e = EventCodec.Decode(r.Payload.Span, r.EventType);
            if (folded) state = NodeState.Apply(state, e);
            if (scan is not null) Offer(scan, e);
        }
        return state;
    }

    private static void Offer(InterruptedScan scan, NodeEvent e)
    {
        if (NodeEventMapping.FromNodeEvent(e) is { } j) scan.Add(j);
    }

    /// <inheritdoc />
    public bool TryTakeRecoveryEvents(out IReadOnlyList<JournalEvent> events)
    {
        // Taken once: the view is only for the recovery right after attach, and holds memory until then.
        var view = Interlocked.Exchange(ref _recovery, null);
        var log = _log;
        if (view is not null && ReferenceEquals(view.Log, log)
            && log.FirstSequence == view.FirstSequence && log.LastSequence == view.LastSequence)
        {
            events = view.Events;
            return true;
        }
        events = [];
        return false;
    }

    /// <summary>The META log's checkpoint folder: previous snapshot + records → new snapshot (pure).</summary>
    public static byte[] FoldSnapshot(ReadOnlyMemory<byte> previous, IEnumerable<LogRecord> records)
    {
        var state = previous.Length > 0 ? NodeState.FromSnapshot(previous.Span) : NodeState.Initial;
        foreach (var r in records)
            if (r.Sequence > state.LastSequence)
                state = NodeState.Apply(state, EventCodec.Decode(r.Payload.Span, r.EventType));
        return state.ToSnapshot();
    }

    /// <summary>Detaches the log (the disk is closed: power off, reboot). The in-memory state is kept.</summary>
    public void Detach()
    {
        _log = null;
        _recovery = null;
    }

    /// <summary>Forgets everything (a power-on starts from the disk alone).</summary>
    public void Reset()
    {
        _log = null;
        _recovery = null;
        _pending.Clear();
        Volatile.Write(ref _state, NodeState.Initial);
    }

    /// <summary>Appends one event built by <paramref name="set"/>; durable when the task completes.</summary>
    public async ValueTask<NodeEvent> AppendAsync(string actorId, string sequenceId, Action<NodeEvent> set, CancellationToken ct = default)
    {
        var e = NodeEvents.Create(0, _time, actorId, sequenceId, set);
        await AppendAsync([e], ct);
        return e;
    }

    /// <summary>
    /// Appends one event only if <paramref name="condition"/> holds for the state at the moment of the append (checked
    /// under the journal's lock, so no other event can slip in between). Returns whether it was appended.
    /// </summary>
    public async ValueTask<bool> AppendIfAsync(Func<NodeState, bool> condition, string actorId, string sequenceId, Action<NodeEvent> set, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!condition(State)) return false;
            await AppendLockedAsync([NodeEvents.Create(0, _time, actorId, sequenceId, set)], ct);
            return true;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Appends events, renumbering them in order (callers may race for numbers; the journal decides).</summary>
    public async ValueTask<ulong> AppendAsync(IReadOnlyList<NodeEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) throw new ArgumentException("nothing to append", nameof(events));
        await _gate.WaitAsync(ct);
        try { return await AppendLockedAsync(events, ct); }
        finally { _gate.Release(); }
    }

    /// <summary>All events still in the log (or held in memory), in order.</summary>
    public IEnumerable<NodeEvent> ReadAll()
    {
        var log = _log;
        if (log is null) return _pending.ToList();
        if (log.LastSequence == 0 || log.LastSequence < log.FirstSequence) return [];
        return log.ReadFrom(log.FirstSequence).Select(r => EventCodec.Decode(r.Payload.Span, r.EventType)).ToList();
    }

    /// <summary>Subscribes to events appended from now on.</summary>
    public ChannelReader<NodeEvent> Subscribe(out Action unsubscribe)
    {
        var ch = Channel.CreateBounded<NodeEvent>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite });
        lock (_subGate) _subscribers.Add(ch);
        unsubscribe = () => { lock (_subGate) _subscribers.Remove(ch); ch.Writer.TryComplete(); };
        return ch.Reader;
    }

    private async Task<ulong> AppendLockedAsync(IReadOnlyList<NodeEvent> events, CancellationToken ct)
    {
        _recovery = null; // the log moves: what the attach fold kept no longer describes it
        var next = State.LastSequence + 1;
        var numbered = events.Select((e, i) => e.WithSequence(next + (ulong)i)).ToList();
        if (_log is { } log)
        {
            var entries = numbered.Select(e => new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e))).ToArray();
            var seqs = await log.AppendAsync(entries, ct);
            if (seqs[0] != next)
                throw new InvalidOperationException($"META assigned sequence {seqs[0]} where the journal expected {next}: another writer appended to this node's log");
            Durable?.Invoke(seqs[^1]);
        }
        else
        {
            _pending.AddRange(numbered);
        }
        var state = State;
        foreach (var e in numbered) state = NodeState.Apply(state, e);
        Volatile.Write(ref _state, state);
        Publish(numbered);
        return numbered[^1].Sequence;
    }

    private void Publish(IReadOnlyList<NodeEvent> events)
    {
        List<Channel<NodeEvent>> subs;
        lock (_subGate) subs = _subscribers.ToList();
        foreach (var ch in subs)
            foreach (var e in events)
                if (!ch.Writer.TryWrite(e)) { lock (_subGate) _subscribers.Remove(ch); ch.Writer.TryComplete(new InvalidOperationException("event subscriber fell behind; resume from the log")); break; }
    }
}
