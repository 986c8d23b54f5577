using Marten;
using Talos.Core.Events;
using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>Replays a node's history from the fleet store (the protobuf payloads, in stream-version order).</summary>
public static class StoreReplay
{
    /// <summary>
    /// The NodeState folded from the node's Marten stream, from its <see cref="StreamCheckpoint"/> snapshot when the
    /// stream starts after one; gaps or out-of-order versions are refused.
    /// </summary>
    public static async Task<NodeState> FoldAsync(IDocumentStore store, string nodeId, CancellationToken ct)
    {
        await using var q = store.QuerySession();
        var events = await q.Events.FetchStreamAsync(nodeId, token: ct);
        var state = NodeState.Initial;
        long expected = 1;
        if (await q.LoadAsync<StreamCheckpoint>(nodeId, ct) is { } cp)
        {
            state = NodeState.FromSnapshot(Convert.FromBase64String(cp.Snapshot));
            expected = cp.CheckpointSequence + 1;
        }
        foreach (var e in events)
        {
            var m = (MirroredEvent)e.Data;
            if (e.Version != expected || m.Sequence != expected)
                throw new InvalidOperationException($"stream {nodeId}: version {e.Version} (sequence {m.Sequence}) where {expected} was expected: the store's copy has a gap");
            state = NodeState.Apply(state, EventCodec.Decode(Convert.FromBase64String(m.Payload), (ushort)m.Type));
            expected++;
        }
        return state;
    }
}
