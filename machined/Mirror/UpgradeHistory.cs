namespace Talos.Machined.Mirror;

/// <summary>
/// One upgrade attempt: an image written to the slot next to a confirmed one, and how it ended. A Marten document of
/// its own (id <c>&lt;node&gt;/&lt;start sequence&gt;</c>), written when the attempt starts and when it ends: a node's
/// attempts grow without bound, and one growing per-node document rewritten on every batch was the read models' main
/// cost (issue #10 benchmark).
/// </summary>
public sealed class UpgradeAttempt
{
    /// <summary>Document id: <see cref="IdOf"/>(<see cref="NodeId"/>, <see cref="StartSequence"/>).</summary>
    public string Id { get; set; } = "";
    /// <summary>The node (stream key); indexed.</summary>
    public string NodeId { get; set; } = "";
    /// <summary>META sequence of the ImageWrittenToSlot that started it.</summary>
    public long StartSequence { get; set; }
    /// <summary>Operation id (NodeEvent.sequence_id) of the upgrade.</summary>
    public string OperationId { get; set; } = "";
    /// <summary>Target slot.</summary>
    public string Slot { get; set; } = "";
    /// <summary>Version the node ran (the confirmed slot's).</summary>
    public string FromVersion { get; set; } = "";
    /// <summary>Digest the node ran.</summary>
    public string FromDigest { get; set; } = "";
    /// <summary>Version written.</summary>
    public string ToVersion { get; set; } = "";
    /// <summary>Digest written.</summary>
    public string ToDigest { get; set; } = "";
    /// <summary>Time the image was written.</summary>
    public DateTimeOffset Start { get; set; }
    /// <summary>Time it ended (null while pending).</summary>
    public DateTimeOffset? End { get; set; }
    /// <summary>pending, confirmed, rolled-back, failed, superseded.</summary>
    public string Outcome { get; set; } = "pending";
    /// <summary>Why it ended so (rollback reason, failed checks, tries used, error).</summary>
    public string Evidence { get; set; } = "";

    /// <summary>The document id of <paramref name="nodeId"/>'s attempt started at <paramref name="startSequence"/>.</summary>
    public static string IdOf(string nodeId, long startSequence) => $"{nodeId}/{startSequence}";
}

/// <summary>
/// Per-node position of the upgrade-attempt fold, maintained inline by <see cref="UpgradeHistoryProjection"/>: the
/// folded state (which slot is confirmed decides whether an image write is an upgrade) and the pending attempt, if any.
/// Constant size; the attempts themselves are <see cref="UpgradeAttempt"/> documents.
/// </summary>
public sealed class UpgradeHistory : FoldedDocument
{
    // Attempts created or changed since the owner last took them (not serialized: a field).
    private List<UpgradeAttempt>? _changed;

    /// <summary>The attempt still pending (at most one: a new attempt ends the pending one first), else null.</summary>
    public UpgradeAttempt? Pending { get; set; }

    /// <summary>Attempts started so far.</summary>
    public long AttemptCount { get; set; }

    /// <summary>Records that <paramref name="a"/> was created or changed (to be stored with this document).</summary>
    internal void Changed(UpgradeAttempt a)
    {
        _changed ??= [];
        if (!_changed.Contains(a)) _changed.Add(a);
    }

    /// <summary>The attempts created or changed since the last call, and forgets them.</summary>
    internal IReadOnlyList<UpgradeAttempt> TakeChanged()
    {
        var c = _changed ?? [];
        _changed = null;
        return c;
    }
}
