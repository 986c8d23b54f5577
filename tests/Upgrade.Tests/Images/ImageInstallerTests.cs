using Talos.Partitions.Devices;
using Talos.Upgrade.Images;
using Talos.Upgrade.Images.Errors;
using Talos.Upgrade.Slots;
using Talos.Upgrade.Slots.Errors;
using static Talos.Upgrade.Tests.Images.ImageTestSupport;

namespace Talos.Upgrade.Tests.Images;

/// <summary>Every refusal happens before a slot byte is written (invariants 2 and 7).</summary>
public sealed class ImageInstallerTests
{
    private static readonly SlotWriter Writer = new(64 * 1024);

    [Fact]
    public async Task Signed_image_from_the_store_lands_in_the_slot_and_measures_valid()
    {
        using var d = new TempDir("inst-ok");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190, profile: "kubelet-never-healthy", size: 500_000);
        await CosignSignatures.SignAsync(store, V190, SignatureTests.Ecdsa.Private, CancellationToken.None);
        var slot = new MemoryBlockDevice(1 << 20);
        var (write, image) = await new ImageInstaller(store, Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public]))
            .InstallAsync(store, V190, slot, BootSlot.B, BootSlot.A, CancellationToken.None);
        var m = new SlotReader().Measure(slot);
        Assert.Equal(write.ContentDigest, m.ContentDigest);
        Assert.Equal(("kubelet-never-healthy", "v1.9.0", V190.ToString()), (m.Header!.ServiceProfile, m.Header.Version, m.Header.ImageReference));
        Assert.Equal(OciDigest.ToSha256(img.ManifestDigest), m.Header.ManifestDigest);
        Assert.Equal(img.ManifestDigest, image.ManifestDigest);
    }

    [Fact]
    public async Task Unsigned_image_with_verification_configured_writes_nothing()
    {
        using var d = new TempDir("inst-unsigned");
        var store = new LocalLayoutStore(d.Path);
        await BuildAsync(store, V190);
        var slot = new MemoryBlockDevice(1 << 20);
        await Assert.ThrowsAsync<ImageNotSignedException>(() => new ImageInstaller(store, Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public]))
            .InstallAsync(store, V190, slot, BootSlot.B, BootSlot.A, CancellationToken.None));
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Wrongly_signed_image_writes_nothing()
    {
        using var d = new TempDir("inst-badsig");
        var store = new LocalLayoutStore(d.Path);
        await BuildAsync(store, V190);
        await CosignSignatures.SignAsync(store, V190, SignatureTests.Other.Private, CancellationToken.None);
        var slot = new MemoryBlockDevice(1 << 20);
        await Assert.ThrowsAsync<ImageSignatureInvalidException>(() => new ImageInstaller(store, Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public]))
            .InstallAsync(store, V190, slot, BootSlot.A, null, CancellationToken.None));
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Corrupted_layer_in_the_store_writes_nothing()
    {
        using var d = new TempDir("inst-corrupt");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        var path = store.BlobPath(V190, img.Initramfs.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var slot = new MemoryBlockDevice(1 << 20);
        var ex = await Assert.ThrowsAsync<ImageDigestMismatchException>(() => new ImageInstaller(store, Writer, null).InstallAsync(store, V190, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        Assert.Equal(img.Initramfs.Digest, ex.Expected);
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Missing_image_and_confirmed_target_write_nothing()
    {
        using var d = new TempDir("inst-missing");
        var store = new LocalLayoutStore(d.Path);
        await BuildAsync(store, V190);
        var slot = new MemoryBlockDevice(1 << 20);
        var installer = new ImageInstaller(store, Writer, null);
        await Assert.ThrowsAsync<ImageNotFoundException>(() => installer.InstallAsync(store, V190 with { Tag = "v2.0.0" }, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        await Assert.ThrowsAsync<SlotIsConfirmedException>(() => installer.InstallAsync(store, V190, slot, BootSlot.B, BootSlot.B, CancellationToken.None));
        AssertUntouched(slot);
    }

    internal static void AssertUntouched(MemoryBlockDevice slot)
    {
        Assert.False(slot.Bytes.ContainsAnyExcept((byte)0), "the slot was written");
        Assert.Equal(0, slot.FlushCount);
    }
}
