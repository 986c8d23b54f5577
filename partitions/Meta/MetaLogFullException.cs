using Talos.Core.Errors;

namespace Talos.Partitions.Meta;

/// <summary>The log cannot take the batch: the region is full and a checkpoint cannot free room without dropping unmirrored records (or no snapshot folder is configured).</summary>
public sealed class MetaLogFullException(long neededBytes, long regionBytes, ulong mirroredSequence, string why)
    : TalosException($"META log is full: {why} (needs {neededBytes} bytes of a {regionBytes}-byte region; mirrored up to {mirroredSequence}). Mirror the log and acknowledge it, or force a drop.")
{
    /// <summary>Bytes required.</summary>
    public long NeededBytes { get; } = neededBytes;
    /// <summary>Size of one region.</summary>
    public long RegionBytes { get; } = regionBytes;
    /// <summary>Last sequence acknowledged as mirrored.</summary>
    public ulong MirroredSequence { get; } = mirroredSequence;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;
}
