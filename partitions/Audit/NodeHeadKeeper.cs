using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Partitions.Audit;

/// <summary>
/// Keeps the node's latest signed head on STATE (<see cref="NodeKey.HeadDocumentName"/>, issues #10, #22) and signs
/// new heads: at every META checkpoint (wire <see cref="OnCheckpoint"/> to <see cref="MetaLogOptions.CheckpointWritten"/>),
/// at every boot and every few durable records (<see cref="SignHead"/>), so a node signs its history even without a
/// fleet store. Heads only move forward: a head older than the kept one (e.g. the mirror's, signed before a
/// checkpoint overtook it) is ignored.
/// </summary>
/// <remarks>
/// Extend-only (issue #22): before signing a new head the keeper checks that the log still holds, at the kept head's
/// sequence, the hash that head signed. A history that does not extend the last signed head (rewritten, rewound, or a
/// node that signed before and finds no head) is never signed again: <see cref="Refusal"/> says why, and every later
/// signature, from a checkpoint or from the mirror, is refused too, until an operator resets the node.
/// Crash safety: a head is signed only over records already durable, and a STATE write is atomic, so a crash in
/// between leaves the previous head on STATE: the signature lags behind the log, it never covers bytes that are not
/// on disk. Thread safety: every member may be called from the META committing thread and the mirror concurrently.
/// </remarks>
public sealed class NodeHeadKeeper
{
    private readonly StateStore _state;
    private readonly HeadSigner _signer;
    private readonly Guid _nodeId;
    private readonly Action<string>? _log;
    private readonly Func<ulong, byte[]?>? _hashAt;
    private readonly object _lock = new();
    private SignedHead? _latest;
    private string? _refusal;

    /// <summary>Starts from the head already on <paramref name="state"/>, if it decodes and belongs to <paramref name="nodeId"/>.</summary>
    /// <param name="state">The node's STATE store.</param>
    /// <param name="signer">The node's key.</param>
    /// <param name="nodeId">The META log's node id.</param>
    /// <param name="log">Console lines (null: none).</param>
    /// <param name="hashAt">The chain hash the log holds at a sequence (null when it no longer holds it); null: the extend-only check is skipped (tests of the encoding).</param>
    public NodeHeadKeeper(StateStore state, HeadSigner signer, Guid nodeId, Action<string>? log = null, Func<ulong, byte[]?>? hashAt = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signer);
        _state = state;
        _signer = signer;
        _nodeId = nodeId;
        _log = log;
        _hashAt = hashAt;
        try
        {
            if (state.Get(NodeKey.HeadDocumentName) is { } doc && SignedHead.Decode(doc) is var h && h.NodeId == nodeId) _latest = h;
        }
        catch (FormatException e) { log?.Invoke($"the signed head on STATE does not decode, it will be replaced: {e.Message}"); }
    }

    /// <summary>The latest head kept (null before the first).</summary>
    public SignedHead? Latest { get { lock (_lock) return _latest; } }

    /// <summary>Why this keeper no longer signs (null while it does): the log does not extend the last signed head.</summary>
    public string? Refusal { get { lock (_lock) return _refusal; } }

    /// <summary>The node (META log) whose heads this keeper signs.</summary>
    public Guid NodeId => _nodeId;

    /// <summary>The node's signer.</summary>
    public HeadSigner Signer => _signer;

    /// <summary>
    /// Refuses to sign from now on because <paramref name="reason"/> (e.g. the node signed before and STATE holds no
    /// head: the head was deleted). Returns the reason kept (the first one wins).
    /// </summary>
    public string Refuse(string reason)
    {
        lock (_lock) return _refusal ??= reason;
    }

    /// <summary>Signs the checkpoint's head (its sequence and that record's chain hash) and keeps it. Nothing for an empty checkpoint.</summary>
    public void OnCheckpoint(CheckpointHeader checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.CheckpointSequence == 0) return;
        SignHead(checkpoint.CheckpointSequence, checkpoint.CheckpointHash);
    }

    /// <summary>
    /// Signs (<paramref name="sequence"/>, <paramref name="hash"/>) — a durable record of the log — and keeps it, once
    /// the log is found to extend the last signed head. Returns the head kept, or null (older than the kept one,
    /// refused, or STATE not writable).
    /// </summary>
    public SignedHead? SignHead(ulong sequence, ReadOnlySpan<byte> hash)
    {
        if (sequence == 0) return null;
        lock (_lock)
        {
            if (_refusal is not null || (_latest is not null && sequence <= _latest.Sequence)) return null;
            if (CheckExtends(sequence) is { } why)
            {
                _refusal = why;
                _log?.Invoke($"error: signed head not renewed: {why}");
                return null;
            }
            var head = _signer.Sign(_nodeId, sequence, hash);
            return KeepLocked(head) ? head : null;
        }
    }

    /// <summary>
    /// Checks the log against the kept head without signing: null when it extends it (or no head is kept), else the
    /// reason, which is kept as <see cref="Refusal"/>.
    /// </summary>
    public string? Check(ulong lastSequence)
    {
        lock (_lock)
        {
            if (_refusal is not null) return _refusal;
            return _refusal = CheckExtends(lastSequence);
        }
    }

    // Null when the log (ending at lastSequence) extends the kept head. A head whose record was compacted away can no
    // longer be compared (a crash between a checkpoint and its signature): that is logged, not refused.
    private string? CheckExtends(ulong lastSequence)
    {
        if (_latest is not { } head || _hashAt is null) return null;
        if (lastSequence < head.Sequence)
            return $"the log ends at {lastSequence} but this node signed a head at {head.Sequence}: records were removed";
        var hash = _hashAt(head.Sequence);
        if (hash is null)
        {
            _log?.Invoke($"signed head {head.Sequence}: its record was compacted, the log cannot be compared with it");
            return null;
        }
        if (!hash.AsSpan().SequenceEqual(head.Hash))
            return $"record {head.Sequence} hashes to {Convert.ToHexStringLower(hash)} but this node signed {head.HashHex}: the history up to it was rewritten";
        return null;
    }

    /// <summary>
    /// Persists <paramref name="head"/> (signed elsewhere, e.g. by the mirror) on STATE when it is newer than the kept
    /// one and the keeper has not refused; returns whether it did.
    /// </summary>
    public bool Keep(SignedHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (head.NodeId != _nodeId) throw new ArgumentException($"the head is for node {head.NodeId}, this keeper signs for {_nodeId}", nameof(head));
        lock (_lock)
        {
            if (_refusal is not null || (_latest is not null && head.Sequence <= _latest.Sequence)) return false;
            return KeepLocked(head);
        }
    }

    private bool KeepLocked(SignedHead head)
    {
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
