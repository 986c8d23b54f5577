using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>No registry endpoint for the image could be reached (connection refused, timeout, 5xx).</summary>
public sealed class RegistryUnavailableException(string reference, IReadOnlyList<string> endpoints, Exception? inner = null)
    : TalosException($"cannot reach a registry for {reference} (tried {string.Join(", ", endpoints)}); check the registry or machine.registries.mirrors and retry", inner)
{
    /// <summary>The reference being pulled or pushed.</summary>
    public string Reference { get; } = reference;
    /// <summary>Every endpoint tried, in order, with the failure of each.</summary>
    public IReadOnlyList<string> Endpoints { get; } = endpoints;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Unavailable;

    /// <inheritdoc />
    public override bool IsTransient => true;
}
