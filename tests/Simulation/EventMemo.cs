using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.State;
using Talos.Partitions.Meta;

namespace Talos.Simulation.Tests;

/// <summary>
/// Decoded events of one simulated node, by sequence, for the invariant checks (issue #11 speed). Every check still
/// reads every record from META and compares its bytes with the ones decoded before; only when type and bytes are
/// identical is the earlier decode reused (decoding is a pure function of those bytes). A record that differs (a crash
/// cut or rewrote the tail) is decoded again. Before, each settled step decoded the whole log twice, and a random seed's
/// log grows to thousands of events.
/// </summary>
public sealed class EventMemo
{
    private readonly Dictionary<ulong, (ushort Type, byte[] Bytes, NodeEvent Event)> _bySequence = new();

    /// <summary>The event of <paramref name="r"/>, decoded with <see cref="EventCodec.Decode(ReadOnlySpan{byte}, ushort)"/> unless these exact bytes were.</summary>
    public NodeEvent Decode(LogRecord r)
    {
        if (_bySequence.TryGetValue(r.Sequence, out var m) && m.Type == r.EventType && r.Payload.Span.SequenceEqual(m.Bytes))
            return m.Event;
        var e = EventCodec.Decode(r.Payload.Span, r.EventType);
        _bySequence[r.Sequence] = (r.EventType, r.Payload.ToArray(), e);
        return e;
    }

    /// <summary>Every event <paramref name="log"/> holds (what <c>NodeJournal.ReadAll</c> returns for an attached log).</summary>
    public List<NodeEvent> ReadAll(MetaLog log) =>
        log.LastSequence == 0 || log.LastSequence < log.FirstSequence ? [] : log.ReadFrom(log.FirstSequence).Select(Decode).ToList();

    /// <summary>The state <paramref name="log"/>'s checkpoint holds (the initial state before the first checkpoint).</summary>
    public static NodeState CheckpointState(MetaLog log)
    {
        var cp = log.Checkpoint;
        return cp.Snapshot.Length > 0 ? NodeState.FromSnapshot(cp.Snapshot) : NodeState.Initial;
    }

    /// <summary>The state <paramref name="log"/> folds to: checkpoint snapshot, then the records after it (as <c>NodeJournal.Fold</c>).</summary>
    public NodeState Fold(MetaLog log)
    {
        var cp = log.Checkpoint;
        var state = CheckpointState(log);
        if (log.LastSequence == 0 || log.LastSequence < log.FirstSequence) return state;
        foreach (var r in log.ReadFrom(log.FirstSequence))
            if (r.Sequence > cp.CheckpointSequence)
                state = NodeState.Apply(state, Decode(r));
        return state;
    }
}
