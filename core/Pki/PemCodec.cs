using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities.IO.Pem;
using Org.BouncyCastle.X509;
using BcPemReader = Org.BouncyCastle.Utilities.IO.Pem.PemReader;
using BcPemWriter = Org.BouncyCastle.Utilities.IO.Pem.PemWriter;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Talos.Core.Pki;

/// <summary>
/// PEM encoding of certificates ("CERTIFICATE") and private keys ("PRIVATE KEY", PKCS#8). Ed25519 keys are
/// written as PKCS#8 v1 (no embedded public key) because OpenSSL 3.0 refuses BouncyCastle's v2 form
/// (spike-grpc-mtls.md §1). Reading also accepts upstream Talos's "ED25519 PRIVATE KEY" label and SEC1
/// "EC PRIVATE KEY". Output uses "\n" line ends so PEM bytes are deterministic.
/// </summary>
public static class PemCodec
{
    /// <summary>PEM of one certificate.</summary>
    public static string WriteCertificate(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Write("CERTIFICATE", certificate.GetEncoded());
    }

    /// <summary>PEM (PKCS#8 "PRIVATE KEY") of an ECDSA or Ed25519 private key.</summary>
    public static string WritePrivateKey(AsymmetricKeyParameter privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!privateKey.IsPrivate)
            throw new ArgumentException("a public key was given where a private key is required", nameof(privateKey));
        var info = privateKey is Ed25519PrivateKeyParameters ed
            ? new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded()))
            : PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey);
        return Write("PRIVATE KEY", info.GetEncoded());
    }

    /// <summary>Reads exactly one certificate; <paramref name="what"/> names it in errors.</summary>
    /// <exception cref="PkiFormatException">Not a PEM certificate.</exception>
    public static X509Certificate ReadCertificate(string pem, string what = "certificate")
    {
        var obj = ReadSingle(pem, what);
        if (obj.Type != "CERTIFICATE")
            throw new PkiFormatException(what, $"PEM block is '{obj.Type}', expected 'CERTIFICATE'");
        try
        {
            var cert = new X509CertificateParser().ReadCertificate(obj.Content);
            return cert ?? throw new PkiFormatException(what, "DER is not an X.509 certificate");
        }
        catch (Exception e) when (e is not PkiFormatException)
        {
            throw new PkiFormatException(what, "DER is not an X.509 certificate", e);
        }
    }

    /// <summary>Reads one private key (PKCS#8, Talos's Ed25519 label, or SEC1 EC).</summary>
    /// <exception cref="PkiFormatException">Not a supported PEM private key.</exception>
    public static AsymmetricKeyParameter ReadPrivateKey(string pem, string what = "private key")
    {
        var obj = ReadSingle(pem, what);
        try
        {
            return obj.Type switch
            {
                "PRIVATE KEY" or "ED25519 PRIVATE KEY" => PrivateKeyFactory.CreateKey(PrivateKeyInfo.GetInstance(obj.Content)),
                "EC PRIVATE KEY" => ReadSec1(pem),
                _ => throw new PkiFormatException(what, $"PEM block is '{obj.Type}', expected 'PRIVATE KEY'"),
            };
        }
        catch (Exception e) when (e is not PkiFormatException)
        {
            throw new PkiFormatException(what, "DER is not a supported private key (ECDSA P-256 or Ed25519)", e);
        }
    }

    private static AsymmetricKeyParameter ReadSec1(string pem)
    {
        using var reader = new Org.BouncyCastle.OpenSsl.PemReader(new StringReader(pem));
        return reader.ReadObject() switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter key when key.IsPrivate => key,
            _ => throw new PkiFormatException("private key", "EC PRIVATE KEY block holds no key"),
        };
    }

    private static PemObject ReadSingle(string pem, string what)
    {
        if (string.IsNullOrWhiteSpace(pem))
            throw new PkiFormatException(what, "input is empty");
        PemObject? obj;
        try
        {
            obj = new BcPemReader(new StringReader(pem)).ReadPemObject();
        }
        catch (Exception e)
        {
            throw new PkiFormatException(what, "malformed PEM (bad header or base64)", e);
        }
        return obj ?? throw new PkiFormatException(what, "no '-----BEGIN' block found");
    }

    private static string Write(string label, byte[] der)
    {
        var sb = new StringBuilder();
        using (var sw = new StringWriter(sb) { NewLine = "\n" })
            new BcPemWriter(sw).WriteObject(new PemObject(label, der));
        return sb.ToString();
    }
}
