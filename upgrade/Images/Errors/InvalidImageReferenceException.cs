using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>An image reference that does not parse (docker/distribution reference grammar).</summary>
public sealed class InvalidImageReferenceException(string reference, string reason)
    : TalosException($"invalid image reference \"{reference}\": {reason}; expected [registry/]repository[:tag][@sha256:<64 hex>]")
{
    /// <summary>The text that was given.</summary>
    public string Reference { get; } = reference;
    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
