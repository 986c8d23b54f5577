using System.Buffers.Binary;

namespace Talos.Partitions.Audit;

/// <summary>
/// A node's signed log head (issue #10, spec specs/formats/signed-head.md): the last sequence and the last record
/// hash, signed with the node's Ed25519 key. The fleet store keeps the latest one per node; a rewritten history no
/// longer matches it, and a rewritten history re-signed with another key fails verification against the key the
/// store registered at first contact. Encoding (big-endian, 136 bytes):
/// <code>
/// offset size field
///   0     8  magic "TALOSHD1"
///   8    16  node id (RFC 4122 byte order)
///  24     8  last sequence
///  32    32  SHA-256 of the last record (the META chain hash)
///  64     8  reserved (0)
///  72    64  Ed25519 signature over bytes [0, 72)
/// </code>
/// </summary>
/// <param name="NodeId">The node id (META superblock).</param>
/// <param name="Sequence">Last sequence covered.</param>
/// <param name="Hash">Chain hash of the record at <paramref name="Sequence"/> (32 bytes).</param>
/// <param name="Signature">Ed25519 signature over <see cref="SignedBytes()"/> (64 bytes).</param>
public sealed record SignedHead(Guid NodeId, ulong Sequence, byte[] Hash, byte[] Signature)
{
    /// <summary>"TALOSHD1".</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSHD1"u8;

    /// <summary>Length of the signed part.</summary>
    public const int SignedLength = 72;

    /// <summary>Length of the whole encoding.</summary>
    public const int Length = SignedLength + 64;

    /// <summary>The bytes the signature covers.</summary>
    public byte[] SignedBytes() => SignedBytes(NodeId, Sequence, Hash);

    /// <summary>The bytes a signature over (<paramref name="nodeId"/>, <paramref name="sequence"/>, <paramref name="hash"/>) covers.</summary>
    public static byte[] SignedBytes(Guid nodeId, ulong sequence, ReadOnlySpan<byte> hash)
    {
        if (hash.Length != 32) throw new ArgumentException($"a head hash is 32 bytes, got {hash.Length}", nameof(hash));
        var b = new byte[SignedLength];
        Magic.CopyTo(b);
        nodeId.TryWriteBytes(b.AsSpan(8, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(24), sequence);
        hash.CopyTo(b.AsSpan(32));
        return b;
    }

    /// <summary>The 136-byte encoding.</summary>
    public byte[] Encode()
    {
        var b = new byte[Length];
        SignedBytes().CopyTo(b, 0);
        Signature.CopyTo(b, SignedLength);
        return b;
    }

    /// <summary>Decodes the 136-byte encoding; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static SignedHead Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length) throw new FormatException($"a signed head is {Length} bytes, got {bytes.Length}");
        if (!bytes.StartsWith(Magic)) throw new FormatException("not a signed head (magic \"TALOSHD1\" missing)");
        if (BinaryPrimitives.ReadUInt64BigEndian(bytes[64..]) != 0) throw new FormatException("signed head reserved bytes 64..71 are not zero");
        return new SignedHead(new Guid(bytes.Slice(8, 16), bigEndian: true), BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]),
            bytes.Slice(32, 32).ToArray(), bytes.Slice(SignedLength, 64).ToArray());
    }

    /// <summary>Hex of <see cref="Hash"/>.</summary>
    public string HashHex => Convert.ToHexStringLower(Hash);
}
