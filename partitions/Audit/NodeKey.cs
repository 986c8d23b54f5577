using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.State;

namespace Talos.Partitions.Audit;

/// <summary>
/// The node's Ed25519 signing key, kept on STATE as the named document <see cref="DocumentName"/> (issue #10, spec
/// specs/formats/node-key.md). Generated once, on the first boot that reaches Running, from an injected entropy
/// source (tests pass a seeded one); kept across upgrades and rollbacks because STATE is; lost with a STATE wipe,
/// after which the fleet store refuses the new key until an operator removes the old registration.
/// <code>
/// offset size field
///   0     8  magic "TALOSNK1"
///   8    32  Ed25519 private key (seed)
///  40    32  Ed25519 public key (must match the seed: a check against a torn or edited document)
/// </code>
/// The latest signed head goes next to it as <see cref="HeadDocumentName"/> (the 136-byte <see cref="SignedHead"/> encoding).
/// </summary>
public static class NodeKey
{
    /// <summary>STATE document holding the key.</summary>
    public const string DocumentName = "node-key";

    /// <summary>STATE document holding the latest head the node signed.</summary>
    public const string HeadDocumentName = "node-head";

    /// <summary>Length of the key document.</summary>
    public const int Length = 72;

    /// <summary>"TALOSNK1".</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSNK1"u8;

    /// <summary>Encodes the document for a 32-byte seed.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> seed)
    {
        var signer = new HeadSigner(seed);
        var b = new byte[Length];
        Magic.CopyTo(b);
        seed.CopyTo(b.AsSpan(8));
        signer.PublicKey.CopyTo(b, 40);
        return b;
    }

    /// <summary>Decodes the document; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static HeadSigner Decode(ReadOnlySpan<byte> doc)
    {
        if (doc.Length != Length) throw new FormatException($"the node key document is {Length} bytes, got {doc.Length}");
        if (!doc.StartsWith(Magic)) throw new FormatException("not a node key document (magic \"TALOSNK1\" missing)");
        var signer = new HeadSigner(doc.Slice(8, 32));
        if (!doc.Slice(40, 32).SequenceEqual(signer.PublicKey))
            throw new FormatException("the node key document's public key does not match its private key: the document was damaged or edited");
        return signer;
    }

    /// <summary>
    /// The node's key: read from <paramref name="state"/>, or generated from <paramref name="entropy"/> and stored
    /// (flushed) when there is none yet. A damaged document is not replaced (that would silently re-key the node).
    /// </summary>
    /// <returns>The signer and whether it was created now.</returns>
    public static (HeadSigner Signer, bool Created) LoadOrCreate(StateStore state, Action<Span<byte>> entropy)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entropy);
        if (state.Get(DocumentName) is { } doc) return (Decode(doc), false);
        Span<byte> seed = stackalloc byte[32];
        entropy(seed);
        var encoded = Encode(seed);
        seed.Clear();
        state.Put(DocumentName, encoded);
        return (Decode(encoded), true);
    }

    /// <summary>The public key and latest signed head on a captured disk's STATE (nulls when STATE or the documents are missing). Never writes.</summary>
    public static (byte[]? PublicKey, SignedHead? Head) ReadFromDisk(IBlockDevice disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        SubDevice part;
        try { part = TalosLayout.OpenPartition(disk, "STATE"); }
        catch (Talos.Core.Errors.TalosException) { return (null, null); }
        var state = StateStore.Open(part);   // disposing it would only dispose the partition view, a no-op
        return ReadPublic(state);
    }

    /// <summary>The public key and latest signed head kept on <paramref name="state"/> (null parts when missing).</summary>
    public static (byte[]? PublicKey, SignedHead? Head) ReadPublic(StateStore state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var key = state.Get(DocumentName) is { } doc ? Decode(doc).PublicKey : null;
        var head = state.Get(HeadDocumentName) is { } h ? SignedHead.Decode(h) : null;
        return (key, head);
    }
}
