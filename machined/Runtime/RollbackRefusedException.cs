using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>A manual rollback that cannot be done safely; the message says why and what to do.</summary>
public sealed class RollbackRefusedException(string reason) : TalosException("rollback refused: " + reason)
{
    /// <summary>Why.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
