using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>Content did not hash to the digest that names it. The content was discarded.</summary>
public sealed class ImageDigestMismatchException(string what, string expected, string actual)
    : TalosException($"{what}: digest mismatch, expected {expected} but content hashes to {actual}; the source is corrupt or tampered with")
{
    /// <summary>What was checked (e.g. "blob ... of ghcr.io/x:v1").</summary>
    public string What { get; } = what;
    /// <summary>The digest that names the content.</summary>
    public string Expected { get; } = expected;
    /// <summary>The digest of the bytes received.</summary>
    public string Actual { get; } = actual;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
