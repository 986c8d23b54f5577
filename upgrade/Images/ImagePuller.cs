namespace Talos.Upgrade.Images;

/// <summary>
/// Copies an installer image (and its cosign signature artefact, when there is one) from any source into the
/// local store, verifying every digest before keeping a byte: a corrupt or missing blob fails the pull and the
/// slot is never touched. Idempotent: blobs already present are not fetched again.
/// </summary>
public sealed class ImagePuller(LocalLayoutStore store)
{
    /// <summary>Pulls <paramref name="reference"/> from <paramref name="source"/>; returns the image as stored locally.</summary>
    public async Task<InstallerImage> PullAsync(IImageSource source, ImageReference reference, CancellationToken ct)
    {
        var fetched = await source.GetManifestAsync(reference, ct);
        var manifest = OciManifest.Parse(fetched.Bytes, reference.ToString());
        // Validates the config and layer set before fetching the (large) layers.
        var image = await InstallerImage.FromManifestAsync(source, reference, fetched.Digest, manifest, ct);
        foreach (var blob in manifest.Layers.Prepend(manifest.Config))
            await CopyBlobAsync(source, reference, blob, ct);
        await store.PutBlobAsync(reference, fetched.Bytes, ct);
        store.Tag(reference, reference.Tag ?? fetched.Digest.Replace(':', '-'), fetched.Digest, fetched.Bytes.Length, fetched.MediaType);
        await PullSignatureAsync(source, reference, fetched.Digest, ct);
        return image;
    }

    private async Task CopyBlobAsync(IImageSource source, ImageReference reference, OciDescriptor blob, CancellationToken ct)
    {
        if (store.HasBlob(reference, blob.Digest)) return;
        await using var s = await source.OpenBlobAsync(reference, blob, ct);
        var (_, size) = await store.PutBlobAsync(reference, s, blob.Digest, $"blob {blob.Digest} ({blob.MediaType}) of {reference} from {source.Description}", ct, blob.Size);
        if (size != blob.Size) throw new Errors.ImageDigestMismatchException($"size of blob {blob.Digest} of {reference}", blob.Size.ToString(), size.ToString());
    }

    /// <summary>Copies the signature artefact if the source has one; its absence is decided later by the verifier.</summary>
    private async Task PullSignatureAsync(IImageSource source, ImageReference reference, string manifestDigest, CancellationToken ct)
    {
        var sigRef = reference.WithTag(CosignSignatures.SignatureTag(manifestDigest));
        FetchedManifest sig;
        try { sig = await source.GetManifestAsync(sigRef, ct); }
        catch (Errors.ImageNotFoundException) { return; }
        var m = OciManifest.Parse(sig.Bytes, sigRef.ToString());
        foreach (var blob in m.Layers.Prepend(m.Config)) await CopyBlobAsync(source, sigRef, blob, ct);
        await store.PutBlobAsync(sigRef, sig.Bytes, ct);
        store.Tag(sigRef, sigRef.Tag!, sig.Digest, sig.Bytes.Length, sig.MediaType);
    }
}
