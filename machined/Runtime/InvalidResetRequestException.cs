using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>A reset request that asks for something reset never does.</summary>
public sealed class InvalidResetRequestException(string message) : TalosException(message)
{
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
