using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Talos.Partitions.Audit;

/// <summary>
/// Signs and verifies log heads with the node's Ed25519 key (BouncyCastle). The private key is a 32-byte seed kept
/// on STATE by the node; the caller supplies it (no randomness in here, so tests are deterministic).
/// </summary>
public sealed class HeadSigner
{
    private readonly Ed25519PrivateKeyParameters _key;

    /// <summary>Creates a signer from a 32-byte Ed25519 seed (private key).</summary>
    public HeadSigner(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
            throw new ArgumentException($"an Ed25519 private key is {Ed25519PrivateKeyParameters.KeySize} bytes, got {seed.Length}", nameof(seed));
        _key = new Ed25519PrivateKeyParameters(seed.ToArray(), 0);
        PublicKey = _key.GeneratePublicKey().GetEncoded();
    }

    /// <summary>The 32-byte public key to register in the fleet store.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Signs the head (<paramref name="nodeId"/>, <paramref name="sequence"/>, <paramref name="hash"/>).</summary>
    public SignedHead Sign(Guid nodeId, ulong sequence, ReadOnlySpan<byte> hash)
    {
        var msg = SignedHead.SignedBytes(nodeId, sequence, hash);
        var s = new Ed25519Signer();
        s.Init(true, _key);
        s.BlockUpdate(msg, 0, msg.Length);
        return new SignedHead(nodeId, sequence, hash.ToArray(), s.GenerateSignature());
    }

    /// <summary>Signs the head of an audited log.</summary>
    public SignedHead Sign(AuditResult audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return Sign(audit.NodeId, audit.LastSequence, Convert.FromHexString(audit.LastHash));
    }

    /// <summary>True when <paramref name="head"/> carries a valid signature by <paramref name="publicKey"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, SignedHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (publicKey.Length != Ed25519PublicKeyParameters.KeySize || head.Signature.Length != 64 || head.Hash.Length != 32) return false;
        var msg = head.SignedBytes();
        var v = new Ed25519Signer();
        v.Init(false, new Ed25519PublicKeyParameters(publicKey.ToArray(), 0));
        v.BlockUpdate(msg, 0, msg.Length);
        return v.VerifySignature(head.Signature);
    }

    /// <summary>
    /// Checks a log against the latest signed head the fleet store holds: the signature must verify with the
    /// registered key, the node id must match, the log must reach the head's sequence, and the record there must have
    /// the signed hash. Any rewrite of the history up to the head breaks the last check; a rewrite that re-signs
    /// the head with another key breaks the first.
    /// </summary>
    public static IReadOnlyList<AuditProblem> CheckAgainstHead(AuditResult audit, SignedHead head, ReadOnlySpan<byte> registeredKey)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(head);
        var problems = new List<AuditProblem>();
        if (!Verify(registeredKey, head))
            problems.Add(new(AuditSeverity.Error, "signature", head.Sequence, "the signed head does not verify with the node's registered public key: the head (and the history it covers) was forged or re-signed"));
        if (head.NodeId != audit.NodeId)
            problems.Add(new(AuditSeverity.Error, "node", 0, $"the signed head is for node {head.NodeId}, the log belongs to {audit.NodeId}"));
        if (audit.LastSequence < head.Sequence)
        {
            problems.Add(new(AuditSeverity.Error, "rewound", head.Sequence, $"the log ends at {audit.LastSequence} but the node signed a head at {head.Sequence}: records were removed"));
            return problems;
        }
        // A head lags the log when the node crashed between a checkpoint and its signature, or the mirror is behind:
        // its record may be compacted by now. That is a warning (the signature cannot be checked), never an error.
        var hash = audit.HashAt(head.Sequence);
        if (hash is null)
            problems.Add(new(AuditSeverity.Warning, "head", head.Sequence, $"record {head.Sequence} was compacted into the checkpoint; its hash cannot be compared"));
        else if (!hash.AsSpan().SequenceEqual(head.Hash))
            problems.Add(new(AuditSeverity.Error, "rewritten", head.Sequence, $"record {head.Sequence} hashes to {Convert.ToHexStringLower(hash)} but the node signed {head.HashHex}: the history up to it was rewritten"));
        return problems;
    }
}
