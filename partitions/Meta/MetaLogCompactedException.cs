using Talos.Core.Errors;

namespace Talos.Partitions.Meta;

/// <summary>A read asked for records that compaction already removed; fold the checkpoint snapshot instead.</summary>
public sealed class MetaLogCompactedException(ulong requested, ulong firstAvailable)
    : TalosException($"META records before {firstAvailable} were compacted into a checkpoint; cannot read from {requested}. Start from the checkpoint snapshot.")
{
    /// <summary>The sequence asked for.</summary>
    public ulong Requested { get; } = requested;
    /// <summary>The first sequence still stored.</summary>
    public ulong FirstAvailable { get; } = firstAvailable;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
