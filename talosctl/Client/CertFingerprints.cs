using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Talos.Ctl.Client;

/// <summary>
/// <c>--cert-fingerprint</c>: SHA-256 of the server certificate's DER, pinned for <c>--insecure</c> (maintenance mode),
/// where the node's certificate cannot be verified against a CA. Accepted spellings: base64 (as upstream prints it),
/// hex, or hex with colons (as <c>openssl x509 -fingerprint -sha256</c> prints it).
/// </summary>
public static class CertFingerprints
{
    /// <summary>Parses one fingerprint.</summary>
    /// <exception cref="UsageException">Not a SHA-256 fingerprint in any accepted spelling.</exception>
    public static byte[] Parse(string text)
    {
        var t = text.Trim();
        var hex = t.Replace(":", "", StringComparison.Ordinal);
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit)) return Convert.FromHexString(hex);
        var buffer = new byte[48];
        if (Convert.TryFromBase64String(t, buffer, out var n) && n == 32) return buffer[..32];
        throw new UsageException($"--cert-fingerprint \"{text}\": not a SHA-256 fingerprint (base64 like upstream prints it, or 64 hex digits)");
    }

    /// <summary>The fingerprint of <paramref name="cert"/> in upstream's spelling (base64 of the SHA-256 of the DER).</summary>
    public static string Of(X509Certificate cert) => Convert.ToBase64String(SHA256.HashData(cert.GetRawCertData()));

    /// <summary>A TLS validation callback accepting only certificates whose fingerprint is pinned.</summary>
    public static System.Net.Security.RemoteCertificateValidationCallback Pinned(IReadOnlyList<byte[]> pins) => (_, cert, _, _) =>
    {
        if (cert is null) throw new CertFingerprintMismatchException("(no certificate)");
        var actual = SHA256.HashData(cert.GetRawCertData());
        return pins.Any(p => CryptographicOperations.FixedTimeEquals(p, actual)) ? true : throw new CertFingerprintMismatchException(Of(cert));
    };
}

/// <summary>The maintenance-mode server presented a certificate whose fingerprint was not pinned.</summary>
public sealed class CertFingerprintMismatchException(string actual)
    : Exception($"the node's certificate fingerprint {actual} does not match --cert-fingerprint")
{
    /// <summary>The fingerprint the node presented (base64).</summary>
    public string Actual { get; } = actual;
}
