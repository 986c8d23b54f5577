using Talos.Core.Errors;

namespace Talos.Machined.Etcd;

/// <summary>An operation would leave etcd without a healthy quorum (upstream's legacy upgrade and graceful reset pre-checks).</summary>
public sealed class EtcdQuorumException(string operation, string detail, string overrideHint)
    : TalosException($"{operation} refused: it would break etcd quorum: {detail}; {overrideHint}")
{
    /// <summary>The refused operation.</summary>
    public string Operation { get; } = operation;

    /// <summary>The member counts behind the refusal.</summary>
    public string Detail { get; } = detail;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
