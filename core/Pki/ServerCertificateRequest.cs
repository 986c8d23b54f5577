using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Talos.Core.Errors;

namespace Talos.Core.Pki;

/// <summary>
/// PKCS#10 requests for node server certificates (trustd, upstream's port 50001): a worker, which holds only the OS
/// CA certificate, makes an ECDSA P-256 key, sends a CSR naming its addresses, and a control plane signs it.
/// </summary>
public static class ServerCertificateRequest
{
    /// <summary>A new key pair and the PEM CSR for it, with the addresses as IP SANs.</summary>
    public static (string CsrPem, AsymmetricKeyParameter PrivateKey) Create(PkiContext context, IReadOnlyCollection<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (addresses.Count == 0) throw new InvalidCertificateRequestException("addresses", "a server certificate request needs at least one address");
        var gen = new ECKeyPairGenerator("EC");
        gen.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, context.Random));
        var keys = gen.GenerateKeyPair();
        var sans = new GeneralNames(addresses.Select(a => new GeneralName(GeneralName.IPAddress, a.ToString())).ToArray());
        var extensions = new X509ExtensionsGenerator();
        extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, sans);
        var attr = new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate()));
        var csr = new Pkcs10CertificationRequest("SHA256WITHECDSA", new X509Name([X509Name.CN], [addresses.First().ToString()]),
            keys.Public, new DerSet(attr), keys.Private);
        using var sw = new StringWriter();
        new PemWriter(sw).WriteObject(csr);
        return (sw.ToString(), keys.Private);
    }

    /// <summary>Parses and verifies a CSR: its public key and IP SANs. Bad input gets a <see cref="PkiFormatException"/>.</summary>
    public static (AsymmetricKeyParameter PublicKey, IReadOnlyList<IPAddress> Addresses) Read(string csrPem)
    {
        Pkcs10CertificationRequest csr;
        try
        {
            csr = new PemReader(new StringReader(csrPem)).ReadObject() as Pkcs10CertificationRequest
                  ?? throw new PkiFormatException("csr", "not a PEM certificate request");
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException)
        {
            throw new PkiFormatException("csr", "not a PEM certificate request: " + e.Message);
        }
        if (!csr.Verify()) throw new PkiFormatException("csr", "the request's signature does not verify");
        var ext = csr.GetRequestedExtensions();
        var sanExt = ext?.GetExtension(X509Extensions.SubjectAlternativeName);
        var ips = sanExt is null ? [] : GeneralNames.GetInstance(sanExt.GetParsedValue()).GetNames()
            .Where(n => n.TagNo == GeneralName.IPAddress)
            .Select(n => new IPAddress(Asn1OctetString.GetInstance(n.Name).GetOctets()))
            .ToList();
        if (ips.Count == 0) throw new PkiFormatException("csr", "the request names no IP address");
        return (csr.GetPublicKey(), ips);
    }
}
