using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Talos.Core.Pki;

namespace Talos.Machined.Api;

/// <summary>
/// One immutable snapshot of the node's API TLS material in .NET form: the OS CA that client certificates must
/// chain to, and the node's server certificate with its (ECDSA P-256) key. The host swaps whole snapshots for
/// certificate rotation; a snapshot is never mutated.
/// </summary>
public sealed class ApiPki
{
    private ApiPki(X509Certificate2 ca, X509Certificate2 server)
    {
        CaCertificate = ca;
        ServerCertificate = server;
        // Sending the CA with the leaf lets clients that trust the CA build the chain without extra lookups.
        CertificateContext = SslStreamCertificateContext.Create(server, [ca], offline: true);
    }

    /// <summary>The OS CA certificate (public part only); the only trust anchor for client certificates.</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>The node's server certificate, with private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Pre-built server certificate context handed to every TLS handshake.</summary>
    public SslStreamCertificateContext CertificateContext { get; }

    /// <summary>Builds a snapshot from PEM (as stored in the machine config / STATE).</summary>
    /// <exception cref="PkiFormatException">Any PEM is malformed, the key is not usable by .NET (e.g. Ed25519),
    /// or the key does not match the server certificate.</exception>
    public static ApiPki FromPem(string caCertificatePem, string serverCertificatePem, string serverKeyPem)
    {
        // Parse with BouncyCastle first so that malformed input gets our specific error, not a CLR one.
        PemCodec.ReadCertificate(caCertificatePem, "CA certificate");
        PemCodec.ReadCertificate(serverCertificatePem, "server certificate");
        PemCodec.ReadPrivateKey(serverKeyPem, "server key");
        X509Certificate2 server;
        try
        {
            server = X509Certificate2.CreateFromPem(serverCertificatePem, serverKeyPem);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new PkiFormatException("server key",
                ".NET cannot use it with the server certificate (it must be the certificate's ECDSA P-256 key)", e);
        }
        return new ApiPki(X509Certificate2.CreateFromPem(caCertificatePem), server);
    }

    /// <summary>Builds a snapshot from a CA and a server certificate issued by it.</summary>
    public static ApiPki From(CertificateAuthority ca, IssuedCertificate server)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(server);
        return FromPem(ca.CertificatePem, server.CertificatePem, server.KeyPem);
    }

    /// <summary>
    /// Generates throw-away material for maintenance mode (upstream apid self-generates its certificate there):
    /// a fresh P-256 CA and a server certificate for <paramref name="addresses"/>. Clients connect with
    /// <c>--insecure</c>, so nobody needs to trust this CA.
    /// </summary>
    public static ApiPki GenerateSelfSigned(PkiContext context, IReadOnlyCollection<IPAddress> addresses,
        IReadOnlyCollection<string> dnsNames)
    {
        var ca = CertificateAuthority.Create(context, PkiKeyAlgorithm.EcdsaP256, "talos-maintenance", TimeSpan.FromDays(365));
        return From(ca, ca.IssueServer(context, addresses, dnsNames, TimeSpan.FromDays(365)));
    }
}
