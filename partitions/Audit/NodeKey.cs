using System.Security.Cryptography;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.State;

namespace Talos.Partitions.Audit;

/// <summary>
/// The node's Ed25519 signing key, kept on STATE as the named document <see cref="DocumentName"/> (issues #10, #22,
/// spec specs/formats/node-key.md). Generated once, on the first boot that reaches Running, from an injected entropy
/// source (tests pass a seeded one); kept across upgrades and rollbacks because STATE is; lost with a STATE wipe,
/// after which the fleet store refuses the new key until an operator removes the old registration.
/// Version 2 (issue #22) seals the seed with AES-256-GCM under a secret the machine holds and its disk does not (a
/// TPM's role: <c>NodeRuntimeOptions.KeySealingSecret</c>), so whoever holds a copy of the disk cannot re-sign a
/// rewritten history; the public key stays in clear for offline readers:
/// <code>
/// offset size field (version 2, 100 bytes)
///   0     8  magic "TALOSNK2"
///   8    32  Ed25519 public key
///  40    12  AES-GCM nonce
///  52    32  the seed, encrypted (AES-256-GCM, additional data = bytes [0, 52))
///  84    16  AES-GCM tag
/// offset size field (version 1, 72 bytes, unsealed: written only without a sealing secret)
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

    /// <summary>Length of the unsealed (version 1) key document.</summary>
    public const int Length = 72;

    /// <summary>Length of the sealed (version 2) key document.</summary>
    public const int SealedLength = 100;

    /// <summary>Length of the machine's sealing secret (an AES-256 key).</summary>
    public const int SealingSecretLength = 32;

    /// <summary>"TALOSNK1".</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSNK1"u8;

    /// <summary>"TALOSNK2".</summary>
    public static ReadOnlySpan<byte> SealedMagic => "TALOSNK2"u8;

    /// <summary>Encodes the unsealed (version 1) document for a 32-byte seed.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> seed)
    {
        var signer = new HeadSigner(seed);
        var b = new byte[Length];
        Magic.CopyTo(b);
        seed.CopyTo(b.AsSpan(8));
        signer.PublicKey.CopyTo(b, 40);
        return b;
    }

    /// <summary>Encodes the sealed (version 2) document: the seed encrypted under <paramref name="secret"/> with <paramref name="nonce"/>.</summary>
    public static byte[] EncodeSealed(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce)
    {
        CheckSecret(secret);
        if (nonce.Length != 12) throw new ArgumentException($"an AES-GCM nonce is 12 bytes, got {nonce.Length}", nameof(nonce));
        var signer = new HeadSigner(seed);
        var b = new byte[SealedLength];
        SealedMagic.CopyTo(b);
        signer.PublicKey.CopyTo(b, 8);
        nonce.CopyTo(b.AsSpan(40));
        using var aes = new AesGcm(secret, 16);
        aes.Encrypt(nonce, seed, b.AsSpan(52, 32), b.AsSpan(84, 16), b.AsSpan(0, 52));
        return b;
    }

    /// <summary>True when <paramref name="doc"/> is a sealed (version 2) document.</summary>
    public static bool IsSealed(ReadOnlySpan<byte> doc) => doc.StartsWith(SealedMagic);

    /// <summary>
    /// Decodes the document; a sealed one needs the machine's <paramref name="secret"/>. Throws
    /// <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static HeadSigner Decode(ReadOnlySpan<byte> doc, ReadOnlySpan<byte> secret = default)
    {
        if (IsSealed(doc)) return Unseal(doc, secret);
        if (doc.Length != Length) throw new FormatException($"the node key document is {Length} bytes, got {doc.Length}");
        if (!doc.StartsWith(Magic)) throw new FormatException("not a node key document (magic \"TALOSNK1\" or \"TALOSNK2\" missing)");
        var signer = new HeadSigner(doc.Slice(8, 32));
        if (!doc.Slice(40, 32).SequenceEqual(signer.PublicKey))
            throw new FormatException("the node key document's public key does not match its private key: the document was damaged or edited");
        return signer;
    }

    /// <summary>The public key of a document (either version) without unsealing it; throws <see cref="FormatException"/>.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> doc)
    {
        if (!IsSealed(doc)) return Decode(doc).PublicKey;
        if (doc.Length != SealedLength) throw new FormatException($"the sealed node key document is {SealedLength} bytes, got {doc.Length}");
        return doc.Slice(8, 32).ToArray();
    }

    private static HeadSigner Unseal(ReadOnlySpan<byte> doc, ReadOnlySpan<byte> secret)
    {
        if (doc.Length != SealedLength) throw new FormatException($"the sealed node key document is {SealedLength} bytes, got {doc.Length}");
        if (secret.IsEmpty) throw new FormatException("the node key is sealed and this machine has no sealing secret: it cannot sign with a key it cannot unseal");
        CheckSecret(secret);
        Span<byte> seed = stackalloc byte[32];
        try
        {
            using var aes = new AesGcm(secret, 16);
            aes.Decrypt(doc.Slice(40, 12), doc.Slice(52, 32), doc.Slice(84, 16), seed, doc[..52]);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new FormatException("the sealed node key does not unseal with this machine's sealing secret: the document was damaged or edited, or it was sealed by another machine");
        }
        var signer = new HeadSigner(seed);
        seed.Clear();
        if (!doc.Slice(8, 32).SequenceEqual(signer.PublicKey))
            throw new FormatException("the sealed node key's public key does not match its private key: the document was edited");
        return signer;
    }

    private static void CheckSecret(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SealingSecretLength)
            throw new ArgumentException($"a sealing secret is {SealingSecretLength} bytes, got {secret.Length}", nameof(secret));
    }

    /// <summary>
    /// The node's key: read from <paramref name="state"/>, or generated from <paramref name="entropy"/> and stored
    /// (flushed) when there is none yet, sealed when <paramref name="secret"/> is given (an unsealed version 1
    /// document is sealed then too). A damaged document is not replaced (that would silently re-key the node).
    /// </summary>
    /// <returns>The signer and whether it was created now.</returns>
    public static (HeadSigner Signer, bool Created) LoadOrCreate(StateStore state, Action<Span<byte>> entropy, byte[]? secret = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entropy);
        if (state.Get(DocumentName) is { } doc)
        {
            var signer = Decode(doc, secret);
            if (secret is not null && !IsSealed(doc)) state.Put(DocumentName, Seal(doc.AsSpan(8, 32), secret, entropy));
            return (signer, false);
        }
        var (s, encoded) = Create(entropy, secret);
        state.Put(DocumentName, encoded);
        return (s, true);
    }

    /// <summary>A new key from <paramref name="entropy"/>: its signer and its document (sealed when <paramref name="secret"/> is given). Writes nothing.</summary>
    public static (HeadSigner Signer, byte[] Document) Create(Action<Span<byte>> entropy, byte[]? secret)
    {
        ArgumentNullException.ThrowIfNull(entropy);
        Span<byte> seed = stackalloc byte[32];
        entropy(seed);
        var encoded = secret is null ? Encode(seed) : Seal(seed, secret, entropy);
        var signer = new HeadSigner(seed);
        seed.Clear();
        return (signer, encoded);
    }

    private static byte[] Seal(ReadOnlySpan<byte> seed, byte[] secret, Action<Span<byte>> entropy)
    {
        Span<byte> nonce = stackalloc byte[12];
        entropy(nonce);
        return EncodeSealed(seed, secret, nonce);
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
        var key = state.Get(DocumentName) is { } doc ? PublicKeyOf(doc) : null;
        var head = state.Get(HeadDocumentName) is { } h ? SignedHead.Decode(h) : null;
        return (key, head);
    }
}
