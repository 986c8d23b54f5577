using System.Net;
using System.Security.Cryptography.X509Certificates;
using Talos.Core.Pki;
using Talos.Machined.Api;

namespace Talos.Machined.Tests.Support;

/// <summary>A fixed clock for deterministic certificates.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// One node's PKI as the tests need it: an Ed25519 OS CA (upstream-like) signing ECDSA P-256 leaves, a server
/// certificate for the test's loopback address, and client certificates by role; plus a foreign CA.
/// Deterministic for a seed.
/// </summary>
public sealed class TestPki
{
    // Near "now" so that the system clock used by the TLS client still finds the server certificate valid.
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestPki(long seed, IPAddress address, PkiKeyAlgorithm caAlgorithm = PkiKeyAlgorithm.Ed25519)
    {
        Context = PkiContext.Seeded(seed, new FixedTime(Epoch));
        Ca = CertificateAuthority.Create(Context, caAlgorithm);
        Server = Ca.IssueServer(Context, [address], ["localhost"], TimeSpan.FromDays(3650));
        Api = ApiPki.From(Ca, Server);
        CaCertificate = X509Certificate2.CreateFromPem(Ca.CertificatePem);
    }

    public PkiContext Context { get; }
    public CertificateAuthority Ca { get; }
    public IssuedCertificate Server { get; }
    public ApiPki Api { get; }
    public X509Certificate2 CaCertificate { get; }

    /// <summary>A .NET client certificate (with key) for the given roles, signed by this CA.</summary>
    public X509Certificate2 Client(params string[] roles)
    {
        var issued = Ca.IssueClient(Context, roles, TimeSpan.FromDays(3650), "test-" + string.Join("+", roles));
        return X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
    }
}
