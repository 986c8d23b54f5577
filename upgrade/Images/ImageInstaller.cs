using Talos.Partitions.Devices;
using Talos.Upgrade.Slots;
using Talos.Upgrade.Slots.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// Installs an installer image into a slot with every check done before the first slot byte is written:
/// 1. refuse the confirmed slot (invariant 2);
/// 2. pull into the local store (verifying every digest) unless the source is that store;
/// 3. verify the cosign signature against the trusted keys, when verification is configured;
/// 4. re-hash the kernel and initramfs blobs in the store;
/// 5. stream into the slot with <see cref="SlotWriter"/> (which hashes again while writing and after the flush).
/// Any failure in 1–4 leaves the slot untouched (invariant 7).
/// </summary>
/// <param name="store">The node's local image store (pull cache).</param>
/// <param name="writer">The slot writer.</param>
/// <param name="verifier">Signature verifier, or null when image verification is not configured.</param>
public sealed class ImageInstaller(LocalLayoutStore store, SlotWriter writer, SignatureVerifier? verifier)
{
    /// <summary>
    /// The checks of <see cref="InstallAsync"/> that need no slot write, run before an upgrade is accepted (issue 20.1,
    /// upstream's "validating installer image" in the Upgrade RPC): resolve the reference in <paramref name="source"/>
    /// (the manifest and config digests are checked), verify the signature when a policy is configured, re-hash the
    /// kernel and initramfs when they are in the local store (a registry image's layers are hashed while pulled), and
    /// check that the image fits in a slot of <paramref name="slotBytes"/> bytes. Nothing is written or pulled.
    /// </summary>
    /// <exception cref="Slots.Errors.SlotTooSmallException">the image is larger than the slot (both sizes in the message).</exception>
    public async Task<InstallerImage> ValidateAsync(IImageSource source, ImageReference reference, BootSlot target, long slotBytes, CancellationToken ct)
    {
        var image = await InstallerImage.ResolveAsync(source, reference, ct);
        if (verifier is not null) await verifier.VerifyAsync(source, reference, image.ManifestDigest, ct);
        if (ReferenceEquals(source, store))
        {
            await store.VerifyBlobAsync(image.Reference, image.Kernel, ct);
            await store.VerifyBlobAsync(image.Reference, image.Initramfs, ct);
        }
        var needed = SlotWriter.RequiredBytes(image.Kernel.Size, image.Initramfs.Size);
        if (needed > slotBytes) throw new SlotTooSmallException(target, needed, slotBytes);
        return image;
    }

    /// <summary>Resolves, verifies and writes <paramref name="reference"/> into <paramref name="slot"/> (slot <paramref name="target"/>).</summary>
    /// <returns>The write result (content digest to record in the log) and the image that was written.</returns>
    public async Task<(SlotWriteResult Write, InstallerImage Image)> InstallAsync(
        IImageSource source, ImageReference reference, IBlockDevice slot, BootSlot target, BootSlot? confirmed, CancellationToken ct)
    {
        if (confirmed == target) throw new SlotIsConfirmedException(target);
        var image = ReferenceEquals(source, store)
            ? await InstallerImage.ResolveAsync(store, reference, ct)
            : await new ImagePuller(store).PullAsync(source, reference, ct);
        if (verifier is not null) await verifier.VerifyAsync(store, reference, image.ManifestDigest, ct);
        await store.VerifyBlobAsync(image.Reference, image.Kernel, ct);
        await store.VerifyBlobAsync(image.Reference, image.Initramfs, ct);
        var result = writer.Write(slot, target, confirmed, image.ToSlotPayload(store, reference.ToString()), ct);
        return (result, image);
    }
}
