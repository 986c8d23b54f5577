using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Partitions.Audit;

/// <summary>
/// Keeps the node's latest signed head on STATE (<see cref="NodeKey.HeadDocumentName"/>, issue #10) and signs the
/// head of every META checkpoint (wire <see cref="OnCheckpoint"/> to <see cref="MetaLogOptions.CheckpointWritten"/>),
/// so a node signs its history even without a fleet store. Heads only move forward: a head older than the kept one
/// (e.g. the mirror's, signed before a checkpoint overtook it) is ignored.
/// </summary>
/// <remarks>
/// Crash safety: the checkpoint is durable before it is signed, and a STATE write is atomic, so a crash in between
/// leaves the previous head on STATE: the signature lags behind the log, it never covers bytes that are not on disk.
/// Thread safety: <see cref="Keep"/> and <see cref="OnCheckpoint"/> may be called from the META committing thread and
/// the mirror concurrently.
/// </remarks>
public sealed class NodeHeadKeeper
{
    private readonly StateStore _state;
    private readonly HeadSigner _signer;
    private readonly Guid _nodeId;
    private readonly Action<string>? _log;
    private readonly object _lock = new();
    private SignedHead? _latest;

    /// <summary>Starts from the head already on <paramref name="state"/>, if it decodes and belongs to <paramref name="nodeId"/>.</summary>
    public NodeHeadKeeper(StateStore state, HeadSigner signer, Guid nodeId, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signer);
        _state = state;
        _signer = signer;
        _nodeId = nodeId;
        _log = log;
        try
        {
            if (state.Get(NodeKey.HeadDocumentName) is { } doc && SignedHead.Decode(doc) is var h && h.NodeId == nodeId) _latest = h;
        }
        catch (FormatException e) { log?.Invoke($"the signed head on STATE does not decode, it will be replaced: {e.Message}"); }
    }

    /// <summary>The latest head kept (null before the first).</summary>
    public SignedHead? Latest { get { lock (_lock) return _latest; } }

    /// <summary>The node (META log) whose heads this keeper signs.</summary>
    public Guid NodeId => _nodeId;

    /// <summary>The node's signer.</summary>
    public HeadSigner Signer => _signer;

    /// <summary>Signs the checkpoint's head (its sequence and that record's chain hash) and keeps it. Nothing for an empty checkpoint.</summary>
    public void OnCheckpoint(CheckpointHeader checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.CheckpointSequence == 0) return;
        Keep(_signer.Sign(_nodeId, checkpoint.CheckpointSequence, checkpoint.CheckpointHash));
    }

    /// <summary>Persists <paramref name="head"/> on STATE when it is newer than the kept one; returns whether it did.</summary>
    public bool Keep(SignedHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (head.NodeId != _nodeId) throw new ArgumentException($"the head is for node {head.NodeId}, this keeper signs for {_nodeId}", nameof(head));
        lock (_lock)
        {
            if (_latest is not null && head.Sequence <= _latest.Sequence) return false;
            try { _state.Put(NodeKey.HeadDocumentName, head.Encode()); }
            catch (Exception e) when (e is IOException or Core.Errors.TalosException)
            {
                _log?.Invoke($"signed head {head.Sequence} not kept on STATE: {e.Message}");
                return false;
            }
            _latest = head;
            return true;
        }
    }
}
