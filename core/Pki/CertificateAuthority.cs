using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Talos.Core.Pki;

/// <summary>
/// The Talos OS certificate authority (talos-internals.md §7.2): a self-signed CA (O=talos, 10 years by default)
/// that issues the node's server certificate (IP/DNS SANs, EKU serverAuth) and client certificates whose
/// Subject carries one O= RDN per role (EKU clientAuth only, as apid requires). All randomness and time come from
/// the <see cref="PkiContext"/>, so a seeded context yields byte-identical output.
/// A worker node holds only the CA certificate (no key): such an instance can verify but not issue.
/// </summary>
public sealed class CertificateAuthority
{
    /// <summary>Upstream's CA validity: 87600 h.</summary>
    public static readonly TimeSpan DefaultCaValidity = TimeSpan.FromHours(87600);

    /// <summary>Upstream's client certificate TTL: 365 days.</summary>
    public static readonly TimeSpan DefaultClientValidity = TimeSpan.FromDays(365);

    // Backdating NotBefore absorbs small clock differences between the issuer and a verifier.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private CertificateAuthority(X509Certificate certificate, AsymmetricKeyParameter? privateKey)
    {
        Certificate = certificate;
        PrivateKey = privateKey;
        CertificatePem = PemCodec.WriteCertificate(certificate);
    }

    /// <summary>The CA certificate.</summary>
    public X509Certificate Certificate { get; }

    /// <summary>The CA key, or null when only the certificate is known (worker nodes).</summary>
    public AsymmetricKeyParameter? PrivateKey { get; }

    /// <summary>PEM of the CA certificate.</summary>
    public string CertificatePem { get; }

    /// <summary>PEM of the CA key (PKCS#8).</summary>
    /// <exception cref="InvalidCertificateRequestException">This instance has no key.</exception>
    public string KeyPem => PemCodec.WritePrivateKey(RequireKey());

    /// <summary>Creates a new self-signed CA.</summary>
    public static CertificateAuthority Create(PkiContext context, PkiKeyAlgorithm algorithm = PkiKeyAlgorithm.Ed25519,
        string organization = "talos", TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ttl = RequirePositive(validity ?? DefaultCaValidity, "validity");
        if (string.IsNullOrWhiteSpace(organization))
            throw new InvalidCertificateRequestException("organization", "must not be empty");
        var keys = GenerateKeyPair(algorithm, context);
        var name = new X509Name([X509Name.O], [organization]);
        var gen = NewGenerator(context, name, name, keys.Public, ttl);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        return new CertificateAuthority(gen.Generate(SignatureFactory(keys.Private, context)), keys.Private);
    }

    /// <summary>Loads a CA from PEM; <paramref name="keyPem"/> may be null for a verify-only CA.</summary>
    /// <exception cref="PkiFormatException">The PEM is malformed, or the key does not match the certificate.</exception>
    public static CertificateAuthority FromPem(string certificatePem, string? keyPem)
    {
        var cert = PemCodec.ReadCertificate(certificatePem, "CA certificate");
        if (keyPem is null)
            return new CertificateAuthority(cert, null);
        var key = PemCodec.ReadPrivateKey(keyPem, "CA key");
        if (!PublicOf(key).Equals(cert.GetPublicKey()))
            throw new PkiFormatException("CA key", "the key does not belong to the CA certificate");
        return new CertificateAuthority(cert, key);
    }

    /// <summary>
    /// Issues the node's TLS server certificate (ECDSA P-256, because .NET must hold its key) with the given
    /// addresses and DNS names as SANs; the CN is the first DNS name, else the first address.
    /// </summary>
    public IssuedCertificate IssueServer(PkiContext context, IReadOnlyCollection<IPAddress> addresses,
        IReadOnlyCollection<string> dnsNames, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(dnsNames);
        if (addresses.Count == 0 && dnsNames.Count == 0)
            throw new InvalidCertificateRequestException("subjectAltNames", "a server certificate needs at least one address or DNS name");
        if (dnsNames.Any(string.IsNullOrWhiteSpace))
            throw new InvalidCertificateRequestException("dnsNames", "DNS names must not be empty");
        var sans = dnsNames.Select(d => new GeneralName(GeneralName.DnsName, d))
            .Concat(addresses.Select(a => new GeneralName(GeneralName.IPAddress, a.ToString()))).ToArray();
        var cn = dnsNames.Count > 0 ? dnsNames.First() : addresses.First().ToString();
        return Issue(context, new X509Name([X509Name.CN], [cn]), PkiKeyAlgorithm.EcdsaP256, validity,
            KeyPurposeID.id_kp_serverAuth, new GeneralNames(sans));
    }

    /// <summary>
    /// Issues a client certificate: Subject = one O= per role (normalised: sorted, deduplicated) then CN;
    /// KeyUsage DigitalSignature; EKU clientAuth only. Use <see cref="PkiKeyAlgorithm.EcdsaP256"/> for
    /// certificates a .NET client presents.
    /// </summary>
    public IssuedCertificate IssueClient(PkiContext context, IEnumerable<string> roles, TimeSpan validity,
        string commonName = "talosctl", PkiKeyAlgorithm algorithm = PkiKeyAlgorithm.EcdsaP256)
    {
        var normalized = Roles.Normalize(roles);
        if (normalized.Count == 0)
            throw new InvalidCertificateRequestException("roles", "a client certificate needs at least one role (e.g. os:admin)");
        if (string.IsNullOrWhiteSpace(commonName))
            throw new InvalidCertificateRequestException("commonName", "must not be empty");
        var oids = normalized.Select(_ => X509Name.O).Append(X509Name.CN).ToList();
        var values = normalized.Append(commonName).ToList();
        return Issue(context, new X509Name(oids, values), algorithm, validity, KeyPurposeID.id_kp_clientAuth, null);
    }

    /// <summary>
    /// Signs a server certificate for a public key held elsewhere (trustd: a worker sends a CSR; its key never
    /// leaves the worker). Same profile as <see cref="IssueServer"/>.
    /// </summary>
    public X509Certificate SignServer(PkiContext context, AsymmetricKeyParameter publicKey, IReadOnlyCollection<IPAddress> addresses,
        IReadOnlyCollection<string> dnsNames, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (addresses.Count == 0 && dnsNames.Count == 0)
            throw new InvalidCertificateRequestException("subjectAltNames", "a server certificate needs at least one address or DNS name");
        var sans = new GeneralNames(dnsNames.Select(d => new GeneralName(GeneralName.DnsName, d))
            .Concat(addresses.Select(a => new GeneralName(GeneralName.IPAddress, a.ToString()))).ToArray());
        var cn = dnsNames.Count > 0 ? dnsNames.First() : addresses.First().ToString();
        return Sign(context, new X509Name([X509Name.CN], [cn]), publicKey, validity, KeyPurposeID.id_kp_serverAuth, sans);
    }

    private IssuedCertificate Issue(PkiContext context, X509Name subject, PkiKeyAlgorithm algorithm, TimeSpan validity,
        KeyPurposeID usage, GeneralNames? sans)
    {
        ArgumentNullException.ThrowIfNull(context);
        var keys = GenerateKeyPair(algorithm, context);
        return new IssuedCertificate(Sign(context, subject, keys.Public, validity, usage, sans), keys.Private);
    }

    private X509Certificate Sign(PkiContext context, X509Name subject, AsymmetricKeyParameter publicKey, TimeSpan validity,
        KeyPurposeID usage, GeneralNames? sans)
    {
        var caKey = RequireKey();
        var keys = (Public: publicKey, Private: (AsymmetricKeyParameter?)null);
        var gen = NewGenerator(context, Certificate.SubjectDN, subject, keys.Public, RequirePositive(validity, "validity"));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(usage));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(Certificate.GetPublicKey()));
        if (sans is not null)
            gen.AddExtension(X509Extensions.SubjectAlternativeName, false, sans);
        return gen.Generate(SignatureFactory(caKey, context));
    }

    private AsymmetricKeyParameter RequireKey() => PrivateKey
        ?? throw new InvalidCertificateRequestException("ca", "this CA has only a certificate (worker node); issuing needs the CA key");

    private static TimeSpan RequirePositive(TimeSpan ttl, string field) => ttl > TimeSpan.Zero
        ? ttl : throw new InvalidCertificateRequestException(field, $"must be positive, got {ttl}");

    private static X509V3CertificateGenerator NewGenerator(PkiContext context, X509Name issuer, X509Name subject,
        AsymmetricKeyParameter publicKey, TimeSpan validity)
    {
        var now = context.UtcNowSeconds();
        var gen = new X509V3CertificateGenerator();
        // 127 random bits plus one: positive, non-zero, at most 16 bytes as RFC 5280 requires.
        gen.SetSerialNumber(new BigInteger(127, context.Random).Add(BigInteger.One));
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(now - ClockSkew);
        gen.SetNotAfter(now + validity);
        gen.SetPublicKey(publicKey);
        return gen;
    }

    private static AsymmetricCipherKeyPair GenerateKeyPair(PkiKeyAlgorithm algorithm, PkiContext context)
    {
        switch (algorithm)
        {
            case PkiKeyAlgorithm.Ed25519:
                var ed = new Ed25519KeyPairGenerator();
                ed.Init(new Ed25519KeyGenerationParameters(context.Random));
                return ed.GenerateKeyPair();
            case PkiKeyAlgorithm.EcdsaP256:
                var ec = new ECKeyPairGenerator("EC");
                ec.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, context.Random));
                return ec.GenerateKeyPair();
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm");
        }
    }

    private static Asn1SignatureFactory SignatureFactory(AsymmetricKeyParameter signer, PkiContext context) =>
        new(signer is Ed25519PrivateKeyParameters ? "Ed25519" : "SHA256WITHECDSA", signer, context.Random);

    private static AsymmetricKeyParameter PublicOf(AsymmetricKeyParameter key) => key switch
    {
        Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
        ECPrivateKeyParameters ec => new ECPublicKeyParameters(ec.AlgorithmName,
            ec.Parameters.G.Multiply(ec.D).Normalize(), ec.PublicKeyParamSet),
        _ => throw new PkiFormatException("key", $"unsupported key type {key.GetType().Name}"),
    };
}
