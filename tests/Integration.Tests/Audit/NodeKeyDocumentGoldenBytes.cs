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
}
