using System.Text;
using Talos.Upgrade.Images;
using Talos.Upgrade.Images.Errors;
using static Talos.Upgrade.Tests.Images.ImageTestSupport;

namespace Talos.Upgrade.Tests.Images;

public sealed class LocalStoreAndBuilderTests
{
    [Fact]
    public async Task Generated_image_is_a_valid_oci_layout_with_a_deterministic_digest()
    {
        using var a = new TempDir("det-a");
        using var b = new TempDir("det-b");
        var ia = await BuildAsync(new LocalLayoutStore(a.Path), V190, size: 300_000, seed: 42);
        var ib = await BuildAsync(new LocalLayoutStore(b.Path), V190, size: 300_000, seed: 42);
        var ic = await BuildAsync(new LocalLayoutStore(b.Path), V190 with { Tag = "v1.9.1" }, size: 300_000, seed: 43);
        Assert.Equal(ia.ManifestDigest, ib.ManifestDigest);
        Assert.NotEqual(ia.Kernel.Digest, ic.Kernel.Digest);
        Assert.Equal((37_500L, 262_500L), (ia.Kernel.Size, ia.Initramfs.Size));

        var layout = Path.Combine(a.Path, "ghcr.io", "siderolabs", "installer");
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", File.ReadAllText(Path.Combine(layout, "oci-layout")));
        var index = File.ReadAllText(Path.Combine(layout, "index.json"));
        Assert.Contains($"\"digest\":\"{ia.ManifestDigest}\"", index);
        Assert.Contains("\"org.opencontainers.image.ref.name\":\"v1.9.0\"", index);
        foreach (var f in Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")))
            Assert.Equal("sha256:" + Path.GetFileName(f), OciDigest.Of(File.ReadAllBytes(f))); // every blob is content-addressed
        var config = File.ReadAllText(Path.Combine(layout, "blobs", "sha256", OciDigest.Hex(ia.Manifest.Config.Digest)));
        Assert.Equal("""{"architecture":"amd64","profile":"healthy","version":"v1.9.0"}""", config);
    }

    [Fact]
    public void Manifest_golden_json()
    {
        var m = new OciManifest(new OciDescriptor(OciMediaTypes.InstallerConfig, "sha256:" + new string('1', 64), 61),
            [new OciDescriptor(OciMediaTypes.Kernel, "sha256:" + new string('2', 64), 10, new Dictionary<string, string> { ["org.opencontainers.image.title"] = "vmlinuz" }),
             new OciDescriptor(OciMediaTypes.Initramfs, "sha256:" + new string('3', 64), 20)]);
        var json = Encoding.UTF8.GetString(m.ToJson());
        Assert.Equal(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            "\"config\":{\"mediaType\":\"application/vnd.talos.installer.config.v1+json\",\"digest\":\"sha256:" + new string('1', 64) + "\",\"size\":61}," +
            "\"layers\":[{\"mediaType\":\"application/vnd.talos.installer.kernel.v1\",\"digest\":\"sha256:" + new string('2', 64) + "\",\"size\":10,\"annotations\":{\"org.opencontainers.image.title\":\"vmlinuz\"}}," +
            "{\"mediaType\":\"application/vnd.talos.installer.initramfs.v1\",\"digest\":\"sha256:" + new string('3', 64) + "\",\"size\":20}]}", json);
        Assert.Equal(json, Encoding.UTF8.GetString(OciManifest.Parse(m.ToJson(), "x").ToJson()));
    }

    [Fact]
    public async Task Many_repositories_and_tags_live_side_by_side()
    {
        using var d = new TempDir("multi");
        var store = new LocalLayoutStore(d.Path);
        await BuildAsync(store, V190);
        await BuildAsync(store, V190 with { Tag = "v1.9.1" }, seed: 8);
        await BuildAsync(store, ImageReference.Parse("127.0.5.1:5000/custom/installer:dev"), seed: 9);
        Assert.Equal(["127.0.5.1:5000/custom/installer", "ghcr.io/siderolabs/installer"], store.ListRepositories());
        Assert.Equal(["v1.9.0", "v1.9.1"], store.ListTags(V190).Select(t => t.Tag));
        var resolved = await InstallerImage.ResolveAsync(store, V190 with { Tag = "v1.9.1" }, CancellationToken.None);
        Assert.Equal("v1.9.1", resolved.Config.Version);
        var byDigest = await InstallerImage.ResolveAsync(store, V190 with { Tag = null, Digest = resolved.ManifestDigest }, CancellationToken.None);
        Assert.Equal((resolved.Kernel.Digest, resolved.Kernel.Size), (byDigest.Kernel.Digest, byDigest.Kernel.Size));
    }

    [Fact]
    public async Task Building_from_files_keeps_their_bytes()
    {
        using var d = new TempDir("files");
        var k = Path.Combine(d.Path, "vmlinuz");
        var i = Path.Combine(d.Path, "initramfs.xz");
        File.WriteAllBytes(k, "kernel bytes"u8.ToArray());
        File.WriteAllBytes(i, "initramfs bytes"u8.ToArray());
        var store = new LocalLayoutStore(Path.Combine(d.Path, "store"));
        var img = await new InstallerImageBuilder(store).BuildFromFilesAsync(V190, new InstallerConfig("v1.9.0", "arm64", "boot-hangs"), k, i, CancellationToken.None);
        Assert.Equal(OciDigest.Of("kernel bytes"u8), img.Kernel.Digest);
        Assert.Equal(OciDigest.Of("initramfs bytes"u8), img.Initramfs.Digest);
        Assert.Equal("boot-hangs", (await InstallerImage.ResolveAsync(store, V190, CancellationToken.None)).Config.ServiceProfile);
    }

    [Fact]
    public async Task Missing_tag_and_corrupted_blob_get_specific_errors()
    {
        using var d = new TempDir("errors");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        var nf = await Assert.ThrowsAsync<ImageNotFoundException>(() => InstallerImage.ResolveAsync(store, V190 with { Tag = "v9.9.9" }, CancellationToken.None));
        Assert.Contains("v9.9.9", nf.Message);
        var path = store.BlobPath(V190, img.Kernel.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 1;
        File.WriteAllBytes(path, bytes);
        var mm = await Assert.ThrowsAsync<ImageDigestMismatchException>(() => store.VerifyBlobAsync(V190, img.Kernel, CancellationToken.None));
        Assert.Equal(img.Kernel.Digest, mm.Expected);
    }

    [Fact]
    public async Task Put_blob_with_wrong_expected_digest_keeps_nothing()
    {
        using var d = new TempDir("put");
        var store = new LocalLayoutStore(d.Path);
        var wrong = OciDigest.Of("other"u8);
        await Assert.ThrowsAsync<ImageDigestMismatchException>(() => store.PutBlobAsync(V190, new MemoryStream("content"u8.ToArray()), wrong, "test blob", CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.LayoutPath(V190), "blobs", "sha256")));
    }

    [Theory]
    [InlineData("""{"architecture":"amd64","profile":"healthy"}""", "missing string field \"version\"")]
    [InlineData("""{"architecture":"s390x","profile":"healthy","version":"v1"}""", "architecture")]
    [InlineData("""[1]""", "not an object")]
    [InlineData("""{""", "malformed JSON")]
    [InlineData("""{"architecture":"amd64","configFeatures":"v1alpha1","profile":"healthy","version":"v1"}""", "configFeatures must be an array of strings")]
    [InlineData("""{"architecture":"amd64","configFeatures":["a,b"],"profile":"healthy","version":"v1"}""", "without commas")]
    public void Bad_config_blob_is_refused(string json, string reason)
    {
        var ex = Assert.Throws<InvalidInstallerImageException>(() => InstallerConfig.Parse(Encoding.UTF8.GetBytes(json), "img"));
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Config_features_are_written_sorted_between_architecture_and_profile_and_read_back()
    {
        var c = new InstallerConfig("v1.9.0", "amd64", "healthy", ["v1alpha1", "audit"]);
        Assert.Equal("""{"architecture":"amd64","configFeatures":["audit","v1alpha1"],"profile":"healthy","version":"v1.9.0"}""", Encoding.UTF8.GetString(c.ToJson()));
        Assert.Equal(["audit", "v1alpha1"], InstallerConfig.Parse(c.ToJson(), "img").ConfigFeatures!);
        // Without a declaration the blob is byte-identical to before the field existed.
        Assert.Equal("""{"architecture":"amd64","profile":"healthy","version":"v1.9.0"}""", Encoding.UTF8.GetString(new InstallerConfig("v1.9.0", "amd64", "healthy").ToJson()));
    }

    [Fact]
    public void Generated_stream_is_splitmix64_little_endian_regardless_of_read_sizes()
    {
        var whole = new byte[64];
        new GeneratedPayloadStream(0, 64).ReadExactly(whole);
        // SplitMix64(seed 0) first output is 0xE220A8397B1DCDAF.
        Assert.Equal("afcd1d7b39a820e2", Convert.ToHexStringLower(whole.AsSpan(0, 8)));
        var s = new GeneratedPayloadStream(0, 64);
        var pieces = new byte[64];
        var off = 0;
        foreach (var n in new[] { 3, 5, 1, 9, 13, 33 }) off += s.Read(pieces, off, n);
        Assert.Equal(whole, pieces);
        Assert.Equal(0, s.Read(new byte[1], 0, 1));
    }
}
