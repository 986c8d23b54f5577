using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>The etcd leader or a quorum of members could not be reached; nothing was committed.</summary>
public sealed class EtcdUnavailableException(string detail, Exception? inner = null)
    : TalosException($"etcd is unavailable: {detail}; check that the other control planes are running (talosctl etcd members)", inner)
{
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Unavailable;

    /// <inheritdoc />
    public override bool IsTransient => true;
}
