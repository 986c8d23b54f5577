using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>The image (or one of its blobs, or its signature) does not exist in the source that was asked.</summary>
public sealed class ImageNotFoundException(string reference, string where)
    : TalosException($"image {reference} not found in {where}; check the reference, or build/push the image first")
{
    /// <summary>The reference (or digest) looked up.</summary>
    public string Reference { get; } = reference;
    /// <summary>Where it was looked up (layout directory or registry endpoints).</summary>
    public string Where { get; } = where;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
