using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>Signature verification is configured and the image has no signature artefact.</summary>
public sealed class ImageNotSignedException(string reference, string manifestDigest)
    : TalosException($"image {reference}@{manifestDigest} is not signed (no {SignatureTagOf(manifestDigest)} artefact) and image verification is configured; sign it with a trusted key")
{
    /// <summary>The image reference.</summary>
    public string Reference { get; } = reference;
    /// <summary>The manifest digest that has no signature.</summary>
    public string ManifestDigest { get; } = manifestDigest;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;

    private static string SignatureTagOf(string digest) => digest.Replace(':', '-') + ".sig";
}
