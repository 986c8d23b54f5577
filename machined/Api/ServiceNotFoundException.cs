using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>A service id the node does not run (ServiceStart/Stop/Restart, Logs).</summary>
public sealed class ServiceNotFoundException(string id, IReadOnlyList<string> known)
    : TalosException(known.Count == 0
        ? $"service \"{id}\" not found: the node runs no services now (maintenance mode or rebooting)"
        : $"service \"{id}\" not found; services on this node: {string.Join(", ", known)}")
{
    /// <summary>The id asked for.</summary>
    public string Id { get; } = id;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
