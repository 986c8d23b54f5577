using Talos.Partitions.Audit;

namespace Talos.Integration.Tests.Audit;

public sealed class SignedHeadsDetectRewrittenHistory
{
    private static readonly byte[] NodeKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] OtherKey = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void The_signed_head_encoding_is_pinned_by_golden_bytes()
    {
        var signer = new HeadSigner(NodeKey);
        var head = signer.Sign(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), 20, Enumerable.Repeat((byte)0xAB, 32).ToArray());
        var bytes = head.Encode();
        Assert.Equal(136, bytes.Length);
        Assert.Equal("54414c4f53484431" + "00112233445566778899aabbccddeeff" + "0000000000000014" + string.Concat(Enumerable.Repeat("ab", 32)) + "0000000000000000",
            Convert.ToHexStringLower(bytes.AsSpan(0, 72)));
        Assert.Equal(GoldenSignature, Convert.ToHexStringLower(head.Signature));
        Assert.Equal(GoldenPublicKey, Convert.ToHexStringLower(signer.PublicKey));
        Assert.Equal(head.SignedBytes(), SignedHead.Decode(bytes).SignedBytes());
        Assert.True(HeadSigner.Verify(signer.PublicKey, SignedHead.Decode(bytes)));
    }

    // RFC 8032 Ed25519 is deterministic. These values were computed independently with Python's cryptography
    // package (OpenSSL) from the same seed and the 72-byte message of specs/formats/signed-head.md.
    private const string GoldenPublicKey = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    private const string GoldenSignature = "364fad6c9362b65824b78763d1f14368e8d47306e8c3305757b3271ad9544b394cd79e37043b686a9f938fad74457f3963d870d8f76ff8b447f76a2d9cfeb006";

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(100)]
    public void Any_flipped_bit_of_a_signed_head_fails_verification(int index)
    {
        var signer = new HeadSigner(NodeKey);
        var bytes = signer.Sign(Guid.Empty, 7, new byte[32]).Encode();
        bytes[index] ^= 0x01;
        var ok = index < 8 ? Assert.Throws<FormatException>(() => SignedHead.Decode(bytes)) is null : HeadSigner.Verify(signer.PublicKey, SignedHead.Decode(bytes));
        Assert.False(ok);
    }

    [Fact]
    public async Task A_chain_rewritten_and_resigned_without_the_node_key_is_caught()
    {
        using var real = NodeDisk.InMemory();
        await real.HistoryAsync(rollback: true);
        real.CloseLog();
        var realAudit = DiskAudit.Run(real.Disk);
        var signer = new HeadSigner(NodeKey);
        var registered = signer.PublicKey;
        var head = signer.Sign(realAudit);
        Assert.Empty(HeadSigner.CheckAgainstHead(realAudit, head, registered));

        // The attacker rebuilds a complete, internally valid chain (no rollback) for the same node id.
        using var forged = NodeDisk.InMemory(seed: 1);
        await forged.HistoryAsync(rollback: false);
        forged.CloseLog();
        var forgedAudit = DiskAudit.Run(forged.Disk);
        Assert.True(forgedAudit.IsClean);   // the chain alone cannot tell

        var kept = HeadSigner.CheckAgainstHead(forgedAudit, head, registered);
        var p = Assert.Single(kept);
        Assert.Equal(("rewritten", 20UL), (p.Kind, p.Sequence));

        var resigned = new HeadSigner(OtherKey).Sign(forgedAudit);
        var p2 = Assert.Single(HeadSigner.CheckAgainstHead(forgedAudit, resigned, registered));
        Assert.Equal("signature", p2.Kind);
    }

    [Fact]
    public async Task A_log_cut_back_below_the_signed_head_is_caught()
    {
        using var node = NodeDisk.InMemory();
        await node.HistoryAsync();
        node.CloseLog();
        var signer = new HeadSigner(NodeKey);
        var full = DiskAudit.Run(node.Disk);
        var head = signer.Sign(full.NodeId, 25, Convert.FromHexString(full.LastHash));
        var p = Assert.Single(HeadSigner.CheckAgainstHead(full, head, signer.PublicKey));
        Assert.Equal(("rewound", 25UL), (p.Kind, p.Sequence));
    }
}
