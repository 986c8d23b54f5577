using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>
/// An upgrade was refused before it started because its installer image did not resolve or verify (issue 20.1):
/// upstream's Upgrade RPC answers <c>error validating installer image "ref": cause</c> and so does this one. The status
/// is the cause's (NotFound for an unknown image, DataLoss for a digest mismatch, PermissionDenied for a bad signature,
/// ResourceExhausted for an image larger than the slot). Nothing was stopped, written or recorded.
/// </summary>
public sealed class InstallerImageValidationException(string image, TalosException cause)
    : TalosException($"error validating installer image \"{image}\": {cause.Message}", cause)
{
    /// <summary>The reference as requested.</summary>
    public string Image { get; } = image;

    /// <summary>Why it did not validate.</summary>
    public TalosException Cause { get; } = cause;

    /// <inheritdoc />
    public override ErrorCode Code => Cause.Code;

    /// <inheritdoc />
    public override bool IsTransient => Cause.IsTransient;
}
