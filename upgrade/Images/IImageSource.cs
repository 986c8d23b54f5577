namespace Talos.Upgrade.Images;

/// <summary>A manifest as fetched: its exact bytes (what the digest covers), digest and media type.</summary>
/// <param name="Bytes">The manifest bytes exactly as stored.</param>
/// <param name="Digest">sha256 of <paramref name="Bytes"/>, verified by the source.</param>
/// <param name="MediaType">The manifest media type.</param>
public sealed record FetchedManifest(byte[] Bytes, string Digest, string MediaType);

/// <summary>
/// Where installer images come from: a local OCI layout store, a registry, or a registry behind mirrors.
/// Sources verify manifest digests (against the pinned digest when the reference has one); blob streams are
/// raw and the consumer verifies them (<see cref="ImagePuller"/> does, before anything is kept).
/// </summary>
public interface IImageSource
{
    /// <summary>Human-readable description for error messages (a directory or endpoint list).</summary>
    string Description { get; }

    /// <summary>Fetches the manifest of <paramref name="reference"/> (by digest when pinned, else by tag).</summary>
    /// <exception cref="Errors.ImageNotFoundException">no such tag/digest.</exception>
    /// <exception cref="Errors.ImageDigestMismatchException">the manifest does not hash to the pinned digest.</exception>
    /// <exception cref="Errors.RegistryUnavailableException">the source cannot be reached.</exception>
    Task<FetchedManifest> GetManifestAsync(ImageReference reference, CancellationToken ct);

    /// <summary>Opens the blob <paramref name="blob"/> of <paramref name="reference"/>'s repository.</summary>
    Task<Stream> OpenBlobAsync(ImageReference reference, OciDescriptor blob, CancellationToken ct);
}
