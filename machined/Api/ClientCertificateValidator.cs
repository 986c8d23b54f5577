using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Talos.Machined.Api;

/// <summary>
/// Validates a client certificate against this node's OS CA only (never the system store): an own X509Chain
/// with CustomRootTrust, no revocation or downloads, and the certificate's EKU must be exactly clientAuth
/// (as upstream apid requires). The TLS stack's own verdict ("errors") is computed against the system store and
/// is deliberately ignored (spike-grpc-mtls.md §2).
/// </summary>
public static class ClientCertificateValidator
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Returns null when <paramref name="certificate"/> is acceptable, else the reason it is not.</summary>
    public static string? Validate(X509Certificate2? certificate, X509Certificate2 ca, DateTime? verificationTimeUtc = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (certificate is null)
            return "no client certificate";
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null || eku.EnhancedKeyUsages.Count != 1 || eku.EnhancedKeyUsages[0].Value != ClientAuthOid)
            return "extended key usage must be exactly clientAuth";
        using var chain = new X509Chain { ChainPolicy = Policy(ca, verificationTimeUtc) };
        if (chain.Build(certificate))
            return null;
        var status = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return "chain to the node's CA failed: " + string.Join(",", status);
    }

    /// <summary>A fresh policy per use: X509ChainPolicy is mutable and must not be shared between handshakes.</summary>
    private static X509ChainPolicy Policy(X509Certificate2 ca, DateTime? verificationTimeUtc)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        if (verificationTimeUtc is { } t)
        {
            policy.VerificationTime = t;
            policy.VerificationTimeIgnored = false;
        }
        policy.CustomTrustStore.Add(ca);
        policy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        return policy;
    }
}
