using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>An uploaded snapshot is unusable (wrong checksum, truncated, not etcd data); nothing was changed.</summary>
public sealed class InvalidEtcdSnapshotException(string reason)
    : TalosException($"the etcd snapshot is invalid: {reason}; nothing was changed (take a new snapshot with \"talosctl etcd snapshot\", or pass --recover-skip-hash-check for a copy without checksum)")
{
    /// <summary>Why the snapshot was refused.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
