using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>The node is not in a stage that allows the operation (e.g. upgrade in maintenance mode).</summary>
public sealed class NodeNotReadyException(string message) : TalosException(message)
{
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
