using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;

namespace Talos.Upgrade.Images;

/// <summary>
/// Image-signing keys: ECDSA P-256 (cosign's default; signatures are deterministic per RFC 6979, DER-encoded)
/// and Ed25519. Public keys travel as PEM "PUBLIC KEY" (SubjectPublicKeyInfo), as in cosign.pub.
/// </summary>
public static class SigningKeys
{
    /// <summary>Generates an ECDSA P-256 key pair from <paramref name="random"/>.</summary>
    public static AsymmetricCipherKeyPair GenerateEcdsaP256(SecureRandom random)
    {
        var curve = ECNamedCurveTable.GetByName("P-256");
        var g = new ECKeyPairGenerator();
        g.Init(new ECKeyGenerationParameters(new ECDomainParameters(curve), random));
        return g.GenerateKeyPair();
    }

    /// <summary>Generates an Ed25519 key pair from <paramref name="random"/>.</summary>
    public static AsymmetricCipherKeyPair GenerateEd25519(SecureRandom random)
    {
        var g = new Ed25519KeyPairGenerator();
        g.Init(new Ed25519KeyGenerationParameters(random));
        return g.GenerateKeyPair();
    }

    /// <summary>PEM of a key (public → "PUBLIC KEY"; private → its PEM form).</summary>
    public static string ToPem(AsymmetricKeyParameter key)
    {
        using var sw = new StringWriter();
        var w = new PemWriter(sw);
        w.WriteObject(key);
        w.Writer.Flush();
        return sw.ToString();
    }

    /// <summary>Parses a PEM public key; throws <see cref="ArgumentException"/> with the reason for anything else.</summary>
    public static AsymmetricKeyParameter ParsePublicPem(string pem)
    {
        object? o;
        try { o = new PemReader(new StringReader(pem)).ReadObject(); }
        catch (Exception e) when (e is IOException or PemException) { throw new ArgumentException("not a PEM public key: " + e.Message, nameof(pem), e); }
        return o switch
        {
            AsymmetricKeyParameter { IsPrivate: false } k when k is ECPublicKeyParameters or Ed25519PublicKeyParameters => k,
            AsymmetricKeyParameter { IsPrivate: false } k => throw new ArgumentException($"unsupported public key type {k.GetType().Name}; use ECDSA P-256 or Ed25519", nameof(pem)),
            _ => throw new ArgumentException("PEM does not hold a public key (expected -----BEGIN PUBLIC KEY-----)", nameof(pem)),
        };
    }

    /// <summary>Signs <paramref name="payload"/> with a private ECDSA P-256 or Ed25519 key.</summary>
    public static byte[] Sign(AsymmetricKeyParameter privateKey, byte[] payload)
    {
        var s = Signer(privateKey);
        s.Init(true, privateKey);
        s.BlockUpdate(payload, 0, payload.Length);
        return s.GenerateSignature();
    }

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="payload"/> by <paramref name="publicKey"/>.</summary>
    public static bool Verify(AsymmetricKeyParameter publicKey, byte[] payload, byte[] signature)
    {
        var s = Signer(publicKey);
        s.Init(false, publicKey);
        s.BlockUpdate(payload, 0, payload.Length);
        try { return s.VerifySignature(signature); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException) { return false; } // malformed DER
    }

    /// <summary>A short fingerprint of a public key (sha256 of its SubjectPublicKeyInfo) for messages.</summary>
    public static string Fingerprint(AsymmetricKeyParameter publicKey) =>
        OciDigest.Of(Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded())[..19];

    private static ISigner Signer(AsymmetricKeyParameter key) => key switch
    {
        ECKeyParameters => new DsaDigestSigner(new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest())), new Sha256Digest()),
        Ed25519PrivateKeyParameters or Ed25519PublicKeyParameters => new Ed25519Signer(),
        _ => throw new ArgumentException($"unsupported key type {key.GetType().Name}; use ECDSA P-256 or Ed25519"),
    };
}
