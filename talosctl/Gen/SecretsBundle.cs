using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Talos.Core.Pki;

namespace Talos.Ctl.Gen;

/// <summary>A PEM certificate and its PEM private key (the key is "" when only the certificate is known).</summary>
/// <param name="Crt">PEM "CERTIFICATE".</param>
/// <param name="Key">PEM "PRIVATE KEY" (PKCS#8).</param>
public sealed record PemPair(string Crt, string Key)
{
    /// <summary>The pair as a <see cref="CertificateAuthority"/> that can issue.</summary>
    public CertificateAuthority ToAuthority() => CertificateAuthority.FromPem(Crt, Key);
}

/// <summary>The CAs and keys of a cluster (upstream's <c>certs</c> section of secrets.yaml).</summary>
/// <param name="Etcd">etcd CA (ECDSA P-256).</param>
/// <param name="K8s">Kubernetes CA (ECDSA P-256).</param>
/// <param name="K8sAggregator">Front-proxy (aggregator) CA (ECDSA P-256).</param>
/// <param name="K8sServiceAccountKey">PEM of the service-account signing key (ECDSA P-256).</param>
/// <param name="Os">Talos OS CA. ECDSA P-256 here (upstream: Ed25519) so that every .NET peer can use it.</param>
public sealed record BundleCerts(PemPair Etcd, PemPair K8s, PemPair K8sAggregator, string K8sServiceAccountKey, PemPair Os);

/// <summary>
/// Everything secret about a cluster, in upstream's secrets.yaml shape (<c>talosctl gen secrets</c>; format in
/// specs/formats/secrets-bundle.md). Two <c>gen config</c> runs with the same bundle produce configs of the same
/// cluster: same CAs, tokens and ids.
/// </summary>
/// <param name="ClusterId">cluster.id: base64 of 32 random bytes.</param>
/// <param name="ClusterSecret">cluster.secret: base64 of 32 random bytes.</param>
/// <param name="BootstrapToken">Kubernetes bootstrap token, <c>[a-z0-9]{6}.[a-z0-9]{16}</c>.</param>
/// <param name="SecretboxEncryptionSecret">base64 of 32 random bytes (etcd encryption at rest).</param>
/// <param name="TrustdToken">machine.token, same format as the bootstrap token.</param>
/// <param name="Certs">The CAs.</param>
public sealed record SecretsBundle(string ClusterId, string ClusterSecret, string BootstrapToken,
    string SecretboxEncryptionSecret, string TrustdToken, BundleCerts Certs)
{
    /// <summary>Organization of the Talos OS CA (upstream's).</summary>
    public const string OsOrganization = "talos";

    /// <summary>Organization of the Kubernetes CA (upstream's).</summary>
    public const string K8sOrganization = "kubernetes";

    /// <summary>Organization of the etcd CA (upstream's).</summary>
    public const string EtcdOrganization = "etcd";

    /// <summary>Organization of the aggregator CA (upstream sets CN=front-proxy; our CA model names only O).</summary>
    public const string AggregatorOrganization = "front-proxy";

    /// <summary>
    /// Generates a new bundle. Every random byte and every timestamp comes from <paramref name="pki"/>, in a fixed
    /// order, so a seeded context yields a byte-identical bundle.
    /// </summary>
    public static SecretsBundle Generate(PkiContext pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var clusterId = RandomBase64(pki, 32);
        var clusterSecret = RandomBase64(pki, 32);
        var bootstrap = Tokens.Generate(pki.Random);
        var secretbox = RandomBase64(pki, 32);
        var trustd = Tokens.Generate(pki.Random);
        var etcd = NewCa(pki, EtcdOrganization);
        var k8s = NewCa(pki, K8sOrganization);
        var aggregator = NewCa(pki, AggregatorOrganization);
        var serviceAccount = NewEcKeyPem(pki);
        var os = NewCa(pki, OsOrganization);
        return new SecretsBundle(clusterId, clusterSecret, bootstrap, secretbox, trustd,
            new BundleCerts(etcd, k8s, aggregator, serviceAccount, os));
    }

    private static string RandomBase64(PkiContext pki, int length)
    {
        var bytes = new byte[length];
        pki.Random.NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }

    private static PemPair NewCa(PkiContext pki, string organization)
    {
        var ca = CertificateAuthority.Create(pki, PkiKeyAlgorithm.EcdsaP256, organization);
        return new PemPair(ca.CertificatePem, ca.KeyPem);
    }

    private static string NewEcKeyPem(PkiContext pki)
    {
        var gen = new ECKeyPairGenerator("EC");
        gen.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, pki.Random));
        return PemCodec.WritePrivateKey(gen.GenerateKeyPair().Private);
    }
}
