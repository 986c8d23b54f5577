using Talos.Partitions.Devices;
using Talos.Upgrade.Images;
using Talos.Upgrade.Images.Errors;
using Talos.Upgrade.Slots;
using Talos.Upgrade.Tests.Images;
using static Talos.Upgrade.Tests.Images.ImageInstallerTests;
using static Talos.Upgrade.Tests.Images.ImageTestSupport;

namespace Talos.Upgrade.Tests.Registry;

/// <summary>Push, pull, mirrors and failure modes against a real docker-registry on loopback.</summary>
public sealed class RegistryPullTests(RegistryProcess registry) : IClassFixture<RegistryProcess>, IDisposable
{
    private readonly TempDir _dir = new("reg");
    private static readonly SlotWriter Writer = new(64 * 1024);

    public void Dispose() => _dir.Dispose();

    private LocalLayoutStore NewStore(string name) => new(Path.Combine(_dir.Path, name));

    /// <summary>Builds ghcr.io/siderolabs/installer:&lt;tag&gt; locally, optionally signs it, and pushes it to the test registry.</summary>
    private async Task<(InstallerImage Image, ImageReference InRegistry)> PublishAsync(string tag, Org.BouncyCastle.Crypto.AsymmetricKeyParameter? signer, ulong seed = 5, string profile = "healthy")
    {
        var build = NewStore("build-" + tag);
        var local = V190 with { Tag = tag };
        var img = await BuildAsync(build, local, profile, size: 400_000, seed: seed);
        if (signer is not null) await CosignSignatures.SignAsync(build, local, signer, CancellationToken.None);
        await new ImagePusher(build).PushAsync(local, new RegistryClient(registry.Http, registry.Endpoint), "siderolabs/installer", tag, CancellationToken.None);
        return (img, ImageReference.Parse($"{registry.Registry}/siderolabs/installer:{tag}"));
    }

    [Fact]
    public async Task Pushed_signed_image_pulls_verifies_and_installs()
    {
        var (img, remote) = await PublishAsync("v1.9.0", SignatureTests.Ecdsa.Private);
        var client = new RegistryClient(registry.Http, registry.Endpoint);
        Assert.Contains(CosignSignatures.SignatureTag(img.ManifestDigest), await client.ListTagsAsync("siderolabs/installer", CancellationToken.None));
        var node = NewStore("node");
        var slot = new MemoryBlockDevice(1 << 20);
        var (write, pulled) = await new ImageInstaller(node, Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public]))
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.B, BootSlot.A, CancellationToken.None);
        Assert.Equal(img.ManifestDigest, pulled.ManifestDigest); // same bytes through push and pull
        var m = new SlotReader().Measure(slot);
        Assert.Equal((SlotState.Valid, write.ContentDigest), (m.State, m.ContentDigest));
        Assert.Equal(remote.ToString(), m.Header!.ImageReference);
    }

    [Fact]
    public async Task Pull_by_digest_is_pinned()
    {
        var (img, remote) = await PublishAsync("pinned", null, seed: 11);
        var pinned = remote with { Tag = null, Digest = img.ManifestDigest };
        var resolved = await InstallerImage.ResolveAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), pinned, CancellationToken.None);
        Assert.Equal(img.Kernel.Digest, resolved.Kernel.Digest);
    }

    [Fact]
    public async Task Mirrors_are_tried_in_order_and_upstream_is_skipped_when_asked()
    {
        var (img, _) = await PublishAsync("mirrored", null, seed: 12);
        var dead = $"http://{RegistryProcess.Host}:{RegistryProcess.DeadPort()}";
        var mirrors = new RegistryMirrors(new Dictionary<string, RegistryMirror>
        {
            ["ghcr.io"] = new([dead, registry.Endpoint.ToString()], SkipFallback: true),
        });
        Assert.Equal([new Uri(dead), registry.Endpoint], mirrors.EndpointsFor("ghcr.io"));
        var node = NewStore("node-mirror");
        var pulled = await new ImagePuller(node).PullAsync(new RegistryImageSource(registry.Http, mirrors), V190 with { Tag = "mirrored" }, CancellationToken.None);
        Assert.Equal(img.ManifestDigest, pulled.ManifestDigest);
        Assert.True(node.HasBlob(V190, img.Initramfs.Digest)); // stored under the upstream name
    }

    [Fact]
    public async Task Failing_mirror_falls_back_to_upstream()
    {
        var (img, remote) = await PublishAsync("fallback", null, seed: 13);
        var mirrors = new RegistryMirrors(new Dictionary<string, RegistryMirror>
        {
            ["*"] = new([$"http://{RegistryProcess.Host}:{RegistryProcess.DeadPort()}"]),
        });
        Assert.Equal(registry.Endpoint, mirrors.EndpointsFor(registry.Registry)[^1]);
        var pulled = await new ImagePuller(NewStore("node-fb")).PullAsync(new RegistryImageSource(registry.Http, mirrors), remote, CancellationToken.None);
        Assert.Equal(img.ManifestDigest, pulled.ManifestDigest);
    }

    [Fact]
    public async Task Missing_image_is_not_found_and_writes_nothing()
    {
        var slot = new MemoryBlockDevice(1 << 20);
        var remote = ImageReference.Parse($"{registry.Registry}/siderolabs/installer:v0.0.0-missing");
        var ex = await Assert.ThrowsAsync<ImageNotFoundException>(() => new ImageInstaller(NewStore("node-nf"), Writer, null)
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        Assert.Contains("v0.0.0-missing", ex.Message);
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Registry_down_is_unavailable_and_transient_and_writes_nothing()
    {
        var slot = new MemoryBlockDevice(1 << 20);
        var remote = ImageReference.Parse($"{RegistryProcess.Host}:{RegistryProcess.DeadPort()}/siderolabs/installer:v1.9.0");
        var ex = await Assert.ThrowsAsync<RegistryUnavailableException>(() => new ImageInstaller(NewStore("node-down"), Writer, null)
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        Assert.True(ex.IsTransient);
        Assert.Contains(remote.Registry, ex.Message);
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Tampered_blob_in_the_registry_is_refused_and_not_kept()
    {
        var (img, remote) = await PublishAsync("tampered", null, seed: 14);
        var data = registry.BlobDataPath(img.Kernel.Digest);
        var bytes = File.ReadAllBytes(data);
        bytes[1234] ^= 0x55;
        File.WriteAllBytes(data, bytes);
        var node = NewStore("node-tamper");
        var slot = new MemoryBlockDevice(1 << 20);
        var ex = await Assert.ThrowsAsync<ImageDigestMismatchException>(() => new ImageInstaller(node, Writer, null)
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        Assert.Equal(img.Kernel.Digest, ex.Expected);
        Assert.False(node.HasBlob(remote, img.Kernel.Digest));
        Assert.Empty(node.ListTags(remote));
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Tampered_manifest_fetched_by_digest_is_refused()
    {
        var (img, remote) = await PublishAsync("tampered-manifest", null, seed: 15);
        var data = registry.BlobDataPath(img.ManifestDigest);
        File.WriteAllBytes(data, File.ReadAllBytes(data).Select(b => b == (byte)'4' ? (byte)'5' : b).ToArray());
        var ex = await Assert.ThrowsAsync<ImageDigestMismatchException>(() => InstallerImage.ResolveAsync(
            new RegistryImageSource(registry.Http, RegistryMirrors.None), remote with { Digest = img.ManifestDigest }, CancellationToken.None));
        Assert.Equal(img.ManifestDigest, ex.Expected);
    }

    [Fact]
    public async Task Image_signed_with_an_untrusted_key_in_the_registry_writes_nothing()
    {
        var (_, remote) = await PublishAsync("badsig", SignatureTests.Other.Private, seed: 16);
        var slot = new MemoryBlockDevice(1 << 20);
        await Assert.ThrowsAsync<ImageSignatureInvalidException>(() => new ImageInstaller(NewStore("node-badsig"), Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public, SignatureTests.Ed.Public]))
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        AssertUntouched(slot);
    }

    [Fact]
    public async Task Unsigned_image_in_the_registry_with_verification_configured_writes_nothing()
    {
        var (_, remote) = await PublishAsync("unsigned", null, seed: 17);
        var slot = new MemoryBlockDevice(1 << 20);
        await Assert.ThrowsAsync<ImageNotSignedException>(() => new ImageInstaller(NewStore("node-unsigned"), Writer, new SignatureVerifier([SignatureTests.Ecdsa.Public]))
            .InstallAsync(new RegistryImageSource(registry.Http, RegistryMirrors.None), remote, slot, BootSlot.A, BootSlot.B, CancellationToken.None));
        AssertUntouched(slot);
    }
}
