using Talos.Core.Errors;

namespace Talos.Partitions.Meta;

/// <summary>A structure with a valid checksum carries a format version this code does not know (written by newer software).</summary>
public sealed class MetaLogUnsupportedVersionException(string structure, long offset, int version)
    : TalosException($"META {structure} at byte {offset} has format version {version}; this build reads version 1 only. Nothing was changed; use a newer build.")
{
    /// <summary>"superblock", "checkpoint" or "record".</summary>
    public string Structure { get; } = structure;
    /// <summary>Partition byte offset of the structure.</summary>
    public long Offset { get; } = offset;
    /// <summary>The version found.</summary>
    public int Version { get; } = version;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
