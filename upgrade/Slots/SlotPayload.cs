namespace Talos.Upgrade.Slots;

/// <summary>One payload part (kernel or initramfs): how to open it, its size and its expected SHA-256.</summary>
/// <param name="Open">Opens a fresh stream positioned at the first byte of the part.</param>
/// <param name="Size">Exact size in bytes; a stream that is shorter or longer is refused.</param>
/// <param name="Sha256">Expected SHA-256 (32 bytes), e.g. the layer digest of the installer image.</param>
public sealed record SlotPart(Func<Stream> Open, long Size, byte[] Sha256);

/// <summary>What to write into a slot: the two parts plus the identity recorded in the slot header.</summary>
/// <param name="ImageReference">The image reference as the user gave it (e.g. ghcr.io/siderolabs/installer:v1.9.0).</param>
/// <param name="Version">Talos version of the image (from its config blob).</param>
/// <param name="Architecture">Architecture (amd64, arm64).</param>
/// <param name="ServiceProfile">Simulated-service profile (healthy, kubelet-never-healthy, ...).</param>
/// <param name="ManifestDigest">SHA-256 of the image manifest (32 bytes).</param>
/// <param name="Kernel">The kernel part.</param>
/// <param name="Initramfs">The initramfs part.</param>
/// <param name="ConfigFeatures">The machine-config features the image reads (null: not declared); kept in the slot header.</param>
public sealed record SlotPayload(
    string ImageReference, string Version, string Architecture, string ServiceProfile,
    byte[] ManifestDigest, SlotPart Kernel, SlotPart Initramfs, IReadOnlyList<string>? ConfigFeatures = null);

/// <summary>The outcome of a verified slot write, to be recorded in the META log.</summary>
/// <param name="Slot">The slot written.</param>
/// <param name="Header">The header now on disk.</param>
/// <param name="ContentDigest">The slot content digest ("sha256:&lt;hex&gt;"), equal to what <see cref="SlotReader"/> measures.</param>
/// <param name="PayloadBytes">Kernel plus initramfs bytes written.</param>
public sealed record SlotWriteResult(BootSlot Slot, SlotHeader Header, string ContentDigest, long PayloadBytes);
