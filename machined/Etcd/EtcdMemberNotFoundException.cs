using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>EtcdRemoveMemberByID with an id that is not in the member list.</summary>
public sealed class EtcdMemberNotFoundException(ulong memberId)
    : TalosException($"etcd member {memberId:x} not found (talosctl etcd members lists the ids)")
{
    /// <summary>The unknown id.</summary>
    public ulong MemberId { get; } = memberId;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
