using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>A config applied in maintenance mode that cannot install the node.</summary>
public sealed class InvalidConfigForMaintenanceException(string message) : TalosException(message)
{
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
