using Talos.Core.State;
using Talos.Partitions.Audit;

namespace Talos.Machined.Mirror;

/// <summary>
/// Where a node's stream starts when META had compacted its beginning before the store received it (no fleet store
/// was configured while META compacted, or a forced drop): the checkpoint's folded state and the link of the first
/// stored record. One document per node (id = stream key); absent for a stream that starts at sequence 1.
/// </summary>
public sealed class StreamCheckpoint
{
    /// <summary>Node id (stream key).</summary>
    public string Id { get; set; } = "";
    /// <summary>Last META sequence folded into <see cref="Snapshot"/>; the stream starts at the next one.</summary>
    public long CheckpointSequence { get; set; }
    /// <summary>Hex chain hash of that record (what the first stored record links to).</summary>
    public string CheckpointHash { get; set; } = "";
    /// <summary>Base64 canonical NodeState snapshot at <see cref="CheckpointSequence"/> (the META checkpoint's bytes).</summary>
    public string Snapshot { get; set; } = "";
    /// <summary>Hex hash of the snapshot's state, as the node computed it when the mirror started the stream.</summary>
    public string StateHash { get; set; } = "";

    /// <summary>A checkpoint document from the node's META checkpoint.</summary>
    public static StreamCheckpoint From(string nodeId, MirrorCheckpoint cp)
    {
        ArgumentNullException.ThrowIfNull(cp);
        return new StreamCheckpoint
        {
            Id = nodeId, CheckpointSequence = cp.Sequence, CheckpointHash = cp.Hash, Snapshot = Convert.ToBase64String(cp.Snapshot),
            StateHash = NodeState.FromSnapshot(cp.Snapshot).Hash,
        };
    }

    /// <summary>Where a replay of the stream starts; null with a problem when the snapshot does not decode or does not match its hash.</summary>
    public ExternalStart? ToStart(out AuditProblem? problem)
    {
        problem = null;
        NodeState state;
        try { state = NodeState.FromSnapshot(Convert.FromBase64String(Snapshot)); }
        catch (Exception e) when (e is Core.Errors.SnapshotDecodeException or FormatException)
        {
            problem = new(AuditSeverity.Error, "checkpoint", (ulong)CheckpointSequence, $"the store's checkpoint snapshot at {CheckpointSequence} does not decode: {e.Message}");
            return null;
        }
        if (state.Hash != StateHash)
        {
            problem = new(AuditSeverity.Error, "checkpoint", (ulong)CheckpointSequence, $"the store's checkpoint snapshot at {CheckpointSequence} hashes to {state.Hash}, the document says {StateHash}");
            return null;
        }
        return new ExternalStart(state, (ulong)CheckpointSequence, CheckpointSequence, CheckpointHash);
    }

    /// <summary>
    /// The notice every replay from such a stream carries (a warning, not a failure: see specs/audit.md, "Streams that
    /// start at a checkpoint").
    /// </summary>
    public AuditProblem Notice() => new(AuditSeverity.Warning, "compacted", (ulong)CheckpointSequence + 1,
        $"history before {CheckpointSequence + 1} was compacted on the node before the store received it (checkpoint at {CheckpointSequence}, state hash {StateHash})");
}
