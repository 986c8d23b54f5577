using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;
using Talos.Upgrade.Images;
using Talos.Upgrade.Images.Errors;
using static Talos.Upgrade.Tests.Images.ImageTestSupport;

namespace Talos.Upgrade.Tests.Images;

public sealed class SignatureTests
{
    internal static SecureRandom Seeded(long seed)
    {
        var g = new DigestRandomGenerator(new Org.BouncyCastle.Crypto.Digests.Sha256Digest());
        g.AddSeedMaterial(seed);
        return new SecureRandom(g);
    }

    internal static readonly AsymmetricCipherKeyPair Ecdsa = SigningKeys.GenerateEcdsaP256(Seeded(1));
    internal static readonly AsymmetricCipherKeyPair Ed = SigningKeys.GenerateEd25519(Seeded(2));
    internal static readonly AsymmetricCipherKeyPair Other = SigningKeys.GenerateEcdsaP256(Seeded(3));

    [Fact]
    public void Payload_is_cosign_simple_signing_json()
    {
        var digest = "sha256:" + new string('a', 64);
        Assert.Equal(
            "{\"critical\":{\"identity\":{\"docker-reference\":\"ghcr.io/siderolabs/installer\"},\"image\":{\"docker-manifest-digest\":\"" + digest +
            "\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
            Encoding.UTF8.GetString(CosignSignatures.Payload("ghcr.io/siderolabs/installer", digest)));
        Assert.Equal("sha256-" + new string('a', 64) + ".sig", CosignSignatures.SignatureTag(digest));
    }

    [Theory]
    [InlineData("ecdsa")]
    [InlineData("ed25519")]
    public async Task Signed_image_verifies_against_its_public_key_read_from_pem(string kind)
    {
        using var d = new TempDir("sign-" + kind);
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        var key = kind == "ecdsa" ? Ecdsa : Ed;
        await CosignSignatures.SignAsync(store, V190, key.Private, CancellationToken.None);
        var pub = SigningKeys.ParsePublicPem(SigningKeys.ToPem(key.Public));
        var fp = await new SignatureVerifier([SigningKeys.ParsePublicPem(SigningKeys.ToPem(Other.Public)), pub]).VerifyAsync(store, V190, img.ManifestDigest, CancellationToken.None);
        Assert.Equal(SigningKeys.Fingerprint(key.Public), fp);
        Assert.Contains(store.ListTags(V190), t => t.Tag == CosignSignatures.SignatureTag(img.ManifestDigest));
    }

    [Fact]
    public async Task Unsigned_image_is_refused_with_the_missing_tag_named()
    {
        using var d = new TempDir("unsigned");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        var ex = await Assert.ThrowsAsync<ImageNotSignedException>(() => new SignatureVerifier([Ecdsa.Public]).VerifyAsync(store, V190, img.ManifestDigest, CancellationToken.None));
        Assert.Contains(CosignSignatures.SignatureTag(img.ManifestDigest), ex.Message);
    }

    [Fact]
    public async Task Image_signed_by_an_untrusted_key_is_refused()
    {
        using var d = new TempDir("untrusted");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        await CosignSignatures.SignAsync(store, V190, Other.Private, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ImageSignatureInvalidException>(() => new SignatureVerifier([Ecdsa.Public, Ed.Public]).VerifyAsync(store, V190, img.ManifestDigest, CancellationToken.None));
        Assert.Contains("not from a trusted key", ex.Message);
    }

    [Fact]
    public async Task Signature_moved_to_another_image_is_refused()
    {
        using var d = new TempDir("moved");
        var store = new LocalLayoutStore(d.Path);
        var good = await BuildAsync(store, V190);
        var evil = await BuildAsync(store, V190 with { Tag = "evil" }, profile: "boot-hangs", seed: 99);
        await CosignSignatures.SignAsync(store, V190, Ecdsa.Private, CancellationToken.None);
        // Copy the good image's signature artefact to the evil image's signature tag.
        var sig = store.ListTags(V190).Single(t => t.Tag == CosignSignatures.SignatureTag(good.ManifestDigest));
        store.Tag(V190, CosignSignatures.SignatureTag(evil.ManifestDigest), sig.Digest, new FileInfo(store.BlobPath(V190, sig.Digest)).Length);
        var ex = await Assert.ThrowsAsync<ImageSignatureInvalidException>(() => new SignatureVerifier([Ecdsa.Public]).VerifyAsync(store, V190, evil.ManifestDigest, CancellationToken.None));
        Assert.Contains($"payload signs {good.ManifestDigest}", ex.Message);
    }

    [Fact]
    public async Task Ecdsa_signatures_are_deterministic_and_a_second_key_adds_a_layer()
    {
        using var d = new TempDir("twice");
        var store = new LocalLayoutStore(d.Path);
        var img = await BuildAsync(store, V190);
        await CosignSignatures.SignAsync(store, V190, Ecdsa.Private, CancellationToken.None);
        await CosignSignatures.SignAsync(store, V190, Ecdsa.Private, CancellationToken.None);
        await CosignSignatures.SignAsync(store, V190, Ed.Private, CancellationToken.None);
        var sigRef = V190.WithTag(CosignSignatures.SignatureTag(img.ManifestDigest));
        var m = OciManifest.Parse((await store.GetManifestAsync(sigRef, CancellationToken.None)).Bytes, "sig");
        Assert.Equal(2, m.Layers.Count);
        Assert.All(m.Layers, l => Assert.Equal(OciMediaTypes.CosignSimpleSigning, l.MediaType));
        await new SignatureVerifier([Ed.Public]).VerifyAsync(store, V190, img.ManifestDigest, CancellationToken.None);
    }

    [Fact]
    public void Bad_pem_and_private_keys_are_refused_as_trust_anchors()
    {
        Assert.Throws<ArgumentException>(() => SigningKeys.ParsePublicPem("not a pem"));
        Assert.Throws<ArgumentException>(() => new SignatureVerifier([Ecdsa.Private]));
        Assert.Throws<ArgumentException>(() => new SignatureVerifier([]));
    }
}
