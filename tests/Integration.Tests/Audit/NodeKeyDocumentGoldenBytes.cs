using Talos.Partitions.Audit;

namespace Talos.Integration.Tests.Audit;

/// <summary>specs/formats/node-key.md: the STATE document holding the node's Ed25519 key.</summary>
public sealed class NodeKeyDocumentGoldenBytes
{
    private static readonly byte[] Seed = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private const string Golden = "54414c4f534e4b31" + "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
        + "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";

    [Fact]
    public void The_document_encodes_to_the_golden_bytes_and_decodes_to_the_same_key()
    {
        var doc = NodeKey.Encode(Seed);
        Assert.Equal(Golden, Convert.ToHexStringLower(doc));
        Assert.Equal(new HeadSigner(Seed).PublicKey, NodeKey.Decode(doc).PublicKey);
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(8, "does not match")]    // a flipped private key byte no longer yields the stored public key
    [InlineData(71, "does not match")]
    public void A_damaged_document_is_refused_naming_the_problem(int offset, string expected)
    {
        var doc = NodeKey.Encode(Seed);
        doc[offset] ^= 0x01;
        Assert.Contains(expected, Assert.Throws<FormatException>(() => NodeKey.Decode(doc)).Message, StringComparison.Ordinal);
        Assert.Contains("72 bytes", Assert.Throws<FormatException>(() => NodeKey.Decode(doc.AsSpan(0, 71))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_draws_entropy_once_and_then_keeps_the_stored_key()
    {
        using var dev = new Talos.Partitions.Devices.MemoryBlockDevice(1 << 20);
        var state = Talos.Partitions.State.StateStore.Open(dev);
        var draws = 0;
        var (first, created) = NodeKey.LoadOrCreate(state, b => { draws++; Seed.CopyTo(b); });
        var (again, createdAgain) = NodeKey.LoadOrCreate(Talos.Partitions.State.StateStore.Open(dev), b => { draws++; b.Fill(9); });
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(1, draws);
        Assert.Equal(first.PublicKey, again.PublicKey);
        Assert.Equal(Golden, Convert.ToHexStringLower(state.Get(NodeKey.DocumentName)!));
    }

    // Issue #22, version 2: computed independently (Python "cryptography": AES-256-GCM, Ed25519) for seed 01..20,
    // secret 64..83, nonce 07..12.
    private const string SealedGolden = "54414c4f534e4b32" + "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
        + "0708090a0b0c0d0e0f101112" + "b0f38c248ff6a9d5f40b81fc0ed4798b3b467817acd40f0f5a92a984c8420a9b" + "7ac9622fea7b79e96945dd9d1dd09304";

    private static readonly byte[] Secret = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    [Fact]
    public void The_sealed_document_encodes_to_the_golden_bytes_and_unseals_only_with_the_machine_secret()
    {
        var doc = NodeKey.EncodeSealed(Seed, Secret, [.. Enumerable.Range(7, 12).Select(i => (byte)i)]);
        Assert.Equal(SealedGolden, Convert.ToHexStringLower(doc));
        Assert.Equal(new HeadSigner(Seed).PublicKey, NodeKey.Decode(doc, Secret).PublicKey);
        Assert.Equal(new HeadSigner(Seed).PublicKey, NodeKey.PublicKeyOf(doc));
        Assert.Contains("no sealing secret", Assert.Throws<FormatException>(() => NodeKey.Decode(doc)).Message, StringComparison.Ordinal);
        var other = Secret.ToArray();
        other[0] ^= 1;
        Assert.Contains("does not unseal", Assert.Throws<FormatException>(() => NodeKey.Decode(doc, other)).Message, StringComparison.Ordinal);
        doc[60] ^= 1;   // a flipped ciphertext byte
        Assert.Contains("does not unseal", Assert.Throws<FormatException>(() => NodeKey.Decode(doc, Secret)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_with_a_secret_seals_a_new_key_and_an_existing_unsealed_one()
    {
        using var dev = new Talos.Partitions.Devices.MemoryBlockDevice(1 << 20);
        var state = Talos.Partitions.State.StateStore.Open(dev);
        state.Put(NodeKey.DocumentName, NodeKey.Encode(Seed));
        var (signer, created) = NodeKey.LoadOrCreate(state, b => b.Fill(3), Secret);
        Assert.False(created);
        Assert.Equal(new HeadSigner(Seed).PublicKey, signer.PublicKey);
        var doc = state.Get(NodeKey.DocumentName)!;
        Assert.True(NodeKey.IsSealed(doc));
        Assert.DoesNotContain(Convert.ToHexStringLower(Seed), Convert.ToHexStringLower(doc), StringComparison.Ordinal);
    }
}
