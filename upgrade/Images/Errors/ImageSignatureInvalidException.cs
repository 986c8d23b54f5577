using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>The image has signatures but none verifies against a trusted key for this manifest.</summary>
public sealed class ImageSignatureInvalidException(string reference, string manifestDigest, IReadOnlyList<string> reasons)
    : TalosException($"image {reference}@{manifestDigest} has no valid signature from a trusted key: {string.Join("; ", reasons)}")
{
    /// <summary>The image reference.</summary>
    public string Reference { get; } = reference;
    /// <summary>The manifest digest being verified.</summary>
    public string ManifestDigest { get; } = manifestDigest;
    /// <summary>Why each signature was rejected.</summary>
    public IReadOnlyList<string> Reasons { get; } = reasons;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.PermissionDenied;
}
