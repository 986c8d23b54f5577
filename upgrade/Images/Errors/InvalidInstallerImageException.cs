using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>The manifest or config of an image is not a valid Talos installer image.</summary>
public sealed class InvalidInstallerImageException(string reference, string reason)
    : TalosException($"{reference} is not a valid installer image: {reason}")
{
    /// <summary>The image reference.</summary>
    public string Reference { get; } = reference;
    /// <summary>What is wrong.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
