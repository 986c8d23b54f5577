using Talos.Core.Errors;

namespace Talos.Partitions.Meta;

/// <summary>The META partition is neither empty nor a log this code can open (no valid superblock, bad checkpoint, wrong geometry).</summary>
public sealed class MetaLogCorruptException(string reason)
    : TalosException($"META log is damaged: {reason}. Nothing was written; capture an image and audit it with the read-only open before re-creating the log.")
{
    /// <summary>What was found.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
