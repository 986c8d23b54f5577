namespace Talos.Core.Errors;

/// <summary>A NodeState snapshot (META checkpoint) could not be decoded or is not in canonical form.</summary>
public sealed class SnapshotDecodeException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public SnapshotDecodeException(string reason, Exception? inner = null)
        : base($"cannot decode node state snapshot: {reason}; replay the log from its start instead", inner)
    {
        Reason = reason;
    }

    /// <summary>What was wrong with the bytes.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
