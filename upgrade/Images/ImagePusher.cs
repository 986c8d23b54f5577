namespace Talos.Upgrade.Images;

/// <summary>
/// Pushes an image from the local store to a registry: blobs first (skipping those present), then the manifest
/// under the tag, then the cosign signature artefact if the store has one — so a reader never sees a manifest
/// whose blobs are missing.
/// </summary>
public sealed class ImagePusher(LocalLayoutStore store)
{
    /// <summary>Pushes <paramref name="source"/> (a store reference) as <paramref name="repository"/>:<paramref name="tag"/>; returns the manifest digest.</summary>
    public async Task<string> PushAsync(ImageReference source, RegistryClient registry, string repository, string tag, CancellationToken ct)
    {
        var digest = await PushManifestAsync(source, registry, repository, tag, ct);
        var sigRef = source.WithTag(CosignSignatures.SignatureTag(digest));
        if (store.ListTags(sigRef).Any(t => t.Tag == sigRef.Tag))
            await PushManifestAsync(sigRef, registry, repository, sigRef.Tag!, ct);
        return digest;
    }

    private async Task<string> PushManifestAsync(ImageReference source, RegistryClient registry, string repository, string tag, CancellationToken ct)
    {
        var fetched = await store.GetManifestAsync(source, ct);
        var manifest = OciManifest.Parse(fetched.Bytes, source.ToString());
        foreach (var blob in manifest.Layers.Prepend(manifest.Config))
        {
            var path = store.BlobPath(source, blob.Digest);
            await registry.PushBlobAsync(repository, blob.Digest, blob.Size, () => File.OpenRead(path), ct);
        }
        return await registry.PutManifestAsync(repository, tag, fetched.Bytes, OciMediaTypes.Manifest, ct);
    }
}
