namespace Talos.Upgrade.Images;

/// <summary>
/// Builds installer images into a <see cref="LocalLayoutStore"/>: config blob, kernel and initramfs layers,
/// a canonical manifest, and the tag. Building the same inputs twice yields the same manifest digest.
/// </summary>
public sealed class InstallerImageBuilder(LocalLayoutStore store)
{
    /// <summary>Title annotation of the kernel layer.</summary>
    public const string KernelTitle = "vmlinuz";
    /// <summary>Title annotation of the initramfs layer.</summary>
    public const string InitramfsTitle = "initramfs.xz";

    /// <summary>Builds from kernel and initramfs files on disk.</summary>
    public Task<InstallerImage> BuildFromFilesAsync(ImageReference reference, InstallerConfig config, string kernelPath, string initramfsPath, CancellationToken ct)
    {
        if (!File.Exists(kernelPath)) throw new FileNotFoundException($"kernel file {kernelPath} does not exist", kernelPath);
        if (!File.Exists(initramfsPath)) throw new FileNotFoundException($"initramfs file {initramfsPath} does not exist", initramfsPath);
        return BuildAsync(reference, config, () => File.OpenRead(kernelPath), () => File.OpenRead(initramfsPath), ct);
    }

    /// <summary>
    /// Builds from a deterministic generated payload of <paramref name="totalSize"/> bytes (kernel = 1/8 of it, at least
    /// 1 byte; initramfs = the rest), content from <see cref="GeneratedPayloadStream"/> seeded with
    /// <paramref name="seed"/> (kernel) and <paramref name="seed"/>+1 (initramfs).
    /// </summary>
    public Task<InstallerImage> BuildGeneratedAsync(ImageReference reference, InstallerConfig config, long totalSize, ulong seed, CancellationToken ct)
    {
        if (totalSize < 2) throw new ArgumentOutOfRangeException(nameof(totalSize), totalSize, "a generated image needs at least 2 bytes");
        var kernel = Math.Max(1, totalSize / 8);
        return BuildAsync(reference, config, () => new GeneratedPayloadStream(seed, kernel), () => new GeneratedPayloadStream(seed + 1, totalSize - kernel), ct);
    }

    /// <summary>Builds from two stream factories and tags the result as <paramref name="reference"/>'s tag.</summary>
    public async Task<InstallerImage> BuildAsync(ImageReference reference, InstallerConfig config, Func<Stream> kernel, Func<Stream> initramfs, CancellationToken ct)
    {
        if (reference.Tag is null) throw new ArgumentException($"building needs a tag to name the image: {reference}", nameof(reference));
        config.Validate(reference.ToString());
        var configBytes = config.ToJson();
        var (cd, cs) = await store.PutBlobAsync(reference, configBytes, ct);
        var k = await PutLayerAsync(reference, kernel, OciMediaTypes.Kernel, KernelTitle, ct);
        var i = await PutLayerAsync(reference, initramfs, OciMediaTypes.Initramfs, InitramfsTitle, ct);
        var manifest = new OciManifest(new OciDescriptor(OciMediaTypes.InstallerConfig, cd, cs), [k, i]);
        var bytes = manifest.ToJson();
        var (md, ms) = await store.PutBlobAsync(reference, bytes, ct);
        store.Tag(reference, reference.Tag, md, ms);
        return new InstallerImage(reference.WithDigest(md), md, manifest, config, k, i);
    }

    private async Task<OciDescriptor> PutLayerAsync(ImageReference r, Func<Stream> open, string mediaType, string title, CancellationToken ct)
    {
        await using var s = open();
        var (d, size) = await store.PutBlobAsync(r, s, null, title, ct);
        return new OciDescriptor(mediaType, d, size, new Dictionary<string, string> { ["org.opencontainers.image.title"] = title });
    }
}
