using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Pki;

public sealed class CertificateAuthorityTests
{
    private static PkiContext Ctx(long seed) => PkiContext.Seeded(seed, new FixedTime(TestPki.Epoch));

    private static string[] Generate(long seed)
    {
        var ctx = Ctx(seed);
        var ca = CertificateAuthority.Create(ctx);
        var server = ca.IssueServer(ctx, [IPAddress.Parse("127.0.4.9")], ["node9"], TimeSpan.FromDays(30));
        var client = ca.IssueClient(ctx, [Roles.Admin], CertificateAuthority.DefaultClientValidity);
        return [ca.CertificatePem, ca.KeyPem, server.CertificatePem, server.KeyPem, client.CertificatePem, client.KeyPem];
    }

    [Fact]
    public void The_same_seed_and_time_give_byte_identical_certificates_and_keys_and_another_seed_does_not()
    {
        var a = Generate(5);
        Assert.Equal(a, Generate(5));
        var b = Generate(6);
        Assert.All(a.Zip(b), p => Assert.NotEqual(p.First, p.Second));
    }

    [Fact]
    public void A_client_certificate_carries_one_O_per_role_and_only_client_auth()
    {
        var ctx = Ctx(1);
        var ca = CertificateAuthority.Create(ctx);
        var issued = ca.IssueClient(ctx, ["os:reader", "os:operator", "os:reader", " "], TimeSpan.FromDays(1), "alice");
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
        Assert.True(cert.HasPrivateKey);
        Assert.Equal(["os:operator", "os:reader"], CallerIdentity.RolesFromCertificate(cert));
        Assert.Contains("CN=alice", cert.Subject);
        var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.Equal(TestPki.Epoch.UtcDateTime.AddMinutes(-5), cert.NotBefore.ToUniversalTime());
        Assert.Equal(TestPki.Epoch.UtcDateTime.AddDays(1), cert.NotAfter.ToUniversalTime());
        Assert.NotNull(cert.GetECDsaPublicKey());
    }

    [Fact]
    public void The_ca_is_upstream_like_ed25519_with_O_talos_and_ten_years()
    {
        var ca = CertificateAuthority.Create(Ctx(2));
        using var cert = X509Certificate2.CreateFromPem(ca.CertificatePem);
        Assert.Equal("1.3.101.112", cert.GetKeyAlgorithm());
        Assert.Equal("O=talos", cert.Subject);
        Assert.True(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(TestPki.Epoch.UtcDateTime.AddHours(87600), cert.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void A_server_certificate_has_the_node_addresses_and_names_as_sans()
    {
        var ctx = Ctx(3);
        var ca = CertificateAuthority.Create(ctx);
        var issued = ca.IssueServer(ctx, [IPAddress.Parse("127.0.4.9"), IPAddress.IPv6Loopback], ["node9", "localhost"], TimeSpan.FromDays(1));
        var sans = issued.Certificate.GetSubjectAlternativeNames().Select(l => $"{l[0]}:{l[1]}").ToArray();
        Assert.Equal(["2:node9", "2:localhost", "7:127.0.4.9", "7:::1"], sans);
        Assert.Contains(KeyPurposeID.id_kp_serverAuth.Id, issued.Certificate.GetExtendedKeyUsage().Select(o => o.Id));
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
        Assert.True(cert.MatchesHostname("127.0.4.9"));
        Assert.True(cert.MatchesHostname("node9"));
        Assert.False(cert.MatchesHostname("127.0.4.10"));
    }

    [Fact]
    public void Bad_requests_are_refused_with_the_field_named()
    {
        var ctx = Ctx(4);
        var ca = CertificateAuthority.Create(ctx);
        Assert.Equal("roles", Assert.Throws<InvalidCertificateRequestException>(() => ca.IssueClient(ctx, [" ", ""], TimeSpan.FromDays(1))).Field);
        Assert.Equal("validity", Assert.Throws<InvalidCertificateRequestException>(() => ca.IssueClient(ctx, [Roles.Admin], TimeSpan.Zero)).Field);
        Assert.Equal("subjectAltNames", Assert.Throws<InvalidCertificateRequestException>(() => ca.IssueServer(ctx, [], [], TimeSpan.FromDays(1))).Field);
        var workerCa = CertificateAuthority.FromPem(ca.CertificatePem, null);
        Assert.Equal("ca", Assert.Throws<InvalidCertificateRequestException>(() => workerCa.IssueClient(ctx, [Roles.Admin], TimeSpan.FromDays(1))).Field);
    }

    [Fact]
    public void A_ca_round_trips_through_pem_and_a_foreign_key_is_refused()
    {
        var ctx = Ctx(8);
        var ca = CertificateAuthority.Create(ctx, PkiKeyAlgorithm.EcdsaP256);
        var loaded = CertificateAuthority.FromPem(ca.CertificatePem, ca.KeyPem);
        Assert.Equal(ca.CertificatePem, loaded.CertificatePem);
        Assert.Equal(ca.KeyPem, loaded.KeyPem);
        var other = CertificateAuthority.Create(ctx, PkiKeyAlgorithm.EcdsaP256);
        var e = Assert.Throws<PkiFormatException>(() => CertificateAuthority.FromPem(ca.CertificatePem, other.KeyPem));
        Assert.Equal("CA key", e.What);
        var ed = CertificateAuthority.Create(ctx);
        Assert.Equal(ed.KeyPem, CertificateAuthority.FromPem(ed.CertificatePem, ed.KeyPem).KeyPem);
    }

    [Theory]
    [InlineData("", "input is empty")]
    [InlineData("not pem at all", "no '-----BEGIN' block found")]
    [InlineData("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "malformed PEM")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "DER is not an X.509 certificate")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "expected 'CERTIFICATE'")]
    public void Malformed_certificate_pem_gets_a_specific_error(string pem, string reason)
    {
        var e = Assert.Throws<PkiFormatException>(() => PemCodec.ReadCertificate(pem, "CA certificate"));
        Assert.Equal("CA certificate", e.What);
        Assert.Contains(reason, e.Message);
        Assert.Equal(Talos.Core.Errors.ErrorCode.InvalidArgument, e.Code);
    }

    [Fact]
    public void An_ed25519_key_cannot_be_the_servers_key_and_says_why()
    {
        var ctx = Ctx(9);
        var ca = CertificateAuthority.Create(ctx);
        var edClient = ca.IssueClient(ctx, [Roles.Admin], TimeSpan.FromDays(1), algorithm: PkiKeyAlgorithm.Ed25519);
        var e = Assert.Throws<PkiFormatException>(() => ApiPki.FromPem(ca.CertificatePem, edClient.CertificatePem, edClient.KeyPem));
        Assert.Equal("server key", e.What);
    }

    [Fact]
    public void Openssl_reads_our_ed25519_and_ecdsa_keys_and_verifies_the_chain()
    {
        var ctx = Ctx(10);
        var ca = CertificateAuthority.Create(ctx);
        var client = ca.IssueClient(ctx, [Roles.Admin], TimeSpan.FromDays(3650));
        var dir = Directory.CreateTempSubdirectory("talos-pki-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "ca.crt"), ca.CertificatePem);
            File.WriteAllText(Path.Combine(dir.FullName, "ca.key"), ca.KeyPem);
            File.WriteAllText(Path.Combine(dir.FullName, "c.crt"), client.CertificatePem);
            File.WriteAllText(Path.Combine(dir.FullName, "c.key"), client.KeyPem);
            Assert.Contains("ED25519", Openssl(dir.FullName, "pkey -in ca.key -noout -text"));
            Assert.Contains("prime256v1", Openssl(dir.FullName, "pkey -in c.key -noout -text"));
            Assert.Contains("c.crt: OK", Openssl(dir.FullName, "verify -attime 1767225600 -CAfile ca.crt c.crt"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Openssl(string dir, string args)
    {
        var psi = new ProcessStartInfo("openssl", args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"openssl {args}: {output}");
        return output;
    }
}
