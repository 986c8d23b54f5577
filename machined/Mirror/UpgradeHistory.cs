namespace Talos.Machined.Mirror;

/// <summary>One upgrade attempt: an image written to the slot next to a confirmed one, and how it ended.</summary>
public sealed class UpgradeAttempt
{
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
}

/// <summary>Per-node list of upgrade attempts, maintained inline by <see cref="UpgradeHistoryProjection"/>.</summary>
public sealed class UpgradeHistory : FoldedDocument
{
    /// <summary>Attempts, oldest first.</summary>
    public List<UpgradeAttempt> Attempts { get; set; } = [];
}
