using Talos.Upgrade.Images.Errors;
using Talos.Upgrade.Slots;

namespace Talos.Upgrade.Images;

/// <summary>
/// A resolved installer image: manifest (with its digest), config, and the kernel and initramfs layers.
/// </summary>
/// <param name="Reference">The reference it was resolved from, pinned to <paramref name="ManifestDigest"/>.</param>
/// <param name="ManifestDigest">sha256 of the manifest bytes.</param>
/// <param name="Manifest">The parsed manifest.</param>
/// <param name="Config">The parsed config blob.</param>
/// <param name="Kernel">The kernel layer descriptor.</param>
/// <param name="Initramfs">The initramfs layer descriptor.</param>
public sealed record InstallerImage(ImageReference Reference, string ManifestDigest, OciManifest Manifest, InstallerConfig Config, OciDescriptor Kernel, OciDescriptor Initramfs)
{
    /// <summary>
    /// Resolves <paramref name="reference"/> in <paramref name="source"/>: fetches and checks the manifest, fetches and
    /// verifies the config blob, and finds exactly one kernel and one initramfs layer.
    /// </summary>
    public static async Task<InstallerImage> ResolveAsync(IImageSource source, ImageReference reference, CancellationToken ct)
    {
        var fetched = await source.GetManifestAsync(reference, ct);
        var what = reference.ToString();
        var manifest = OciManifest.Parse(fetched.Bytes, what);
        return await FromManifestAsync(source, reference, fetched.Digest, manifest, ct);
    }

    internal static async Task<InstallerImage> FromManifestAsync(IImageSource source, ImageReference reference, string digest, OciManifest manifest, CancellationToken ct)
    {
        var what = reference.ToString();
        if (manifest.Config.MediaType != OciMediaTypes.InstallerConfig)
            throw new InvalidInstallerImageException(what, $"config media type is \"{manifest.Config.MediaType}\", expected {OciMediaTypes.InstallerConfig}");
        if (manifest.Config.Size > 64 * 1024) throw new InvalidInstallerImageException(what, $"config blob of {manifest.Config.Size} bytes is implausibly large");
        byte[] configBytes;
        await using (var s = await source.OpenBlobAsync(reference, manifest.Config, ct))
        {
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            configBytes = ms.ToArray();
        }
        var actual = OciDigest.Of(configBytes);
        if (actual != manifest.Config.Digest) throw new ImageDigestMismatchException($"config blob of {what}", manifest.Config.Digest, actual);
        var config = InstallerConfig.Parse(configBytes, what);
        var kernel = Single(manifest, OciMediaTypes.Kernel, what);
        var initramfs = Single(manifest, OciMediaTypes.Initramfs, what);
        return new InstallerImage(reference.WithDigest(digest), digest, manifest, config, kernel, initramfs);
    }

    /// <summary>
    /// The slot payload for this image, reading layers from <paramref name="store"/>; the slot writer verifies each
    /// layer's SHA-256 while streaming and again after the flush.
    /// </summary>
    public SlotPayload ToSlotPayload(LocalLayoutStore store, string? displayReference = null) => new(
        displayReference ?? Reference.ToString(), Config.Version, Config.Architecture, Config.ServiceProfile,
        OciDigest.ToSha256(ManifestDigest),
        new SlotPart(() => store.OpenBlobAsync(Reference, Kernel, CancellationToken.None).GetAwaiter().GetResult(), Kernel.Size, OciDigest.ToSha256(Kernel.Digest)),
        new SlotPart(() => store.OpenBlobAsync(Reference, Initramfs, CancellationToken.None).GetAwaiter().GetResult(), Initramfs.Size, OciDigest.ToSha256(Initramfs.Digest)),
        Config.ConfigFeatures);

    private static OciDescriptor Single(OciManifest m, string mediaType, string what)
    {
        var found = m.Layers.Where(l => l.MediaType == mediaType).ToList();
        return found.Count == 1 ? found[0] : throw new InvalidInstallerImageException(what, $"expected exactly one {mediaType} layer, found {found.Count}");
    }
}
