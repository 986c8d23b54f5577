using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>Bytes that should hold etcd data (a snapshot, or the copy on EPHEMERAL) fail a structural check.</summary>
public sealed class EtcdDataCorruptException(string reason)
    : TalosException($"etcd data is corrupt: {reason}")
{
    /// <summary>What failed.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
