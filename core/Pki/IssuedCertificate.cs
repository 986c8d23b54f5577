using Org.BouncyCastle.Crypto;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Talos.Core.Pki;

/// <summary>A certificate together with its private key, and their PEM forms.</summary>
public sealed class IssuedCertificate
{
    /// <summary>Wraps a certificate and its key.</summary>
    public IssuedCertificate(X509Certificate certificate, AsymmetricKeyParameter privateKey)
    {
        Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
        PrivateKey = privateKey ?? throw new ArgumentNullException(nameof(privateKey));
        CertificatePem = PemCodec.WriteCertificate(certificate);
        KeyPem = PemCodec.WritePrivateKey(privateKey);
    }

    /// <summary>The certificate.</summary>
    public X509Certificate Certificate { get; }

    /// <summary>Its private key.</summary>
    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>PEM "CERTIFICATE".</summary>
    public string CertificatePem { get; }

    /// <summary>PEM "PRIVATE KEY" (PKCS#8).</summary>
    public string KeyPem { get; }
}
