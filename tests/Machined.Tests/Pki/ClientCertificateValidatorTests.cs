using System.Net;
using System.Security.Cryptography.X509Certificates;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Pki;

public sealed class ClientCertificateValidatorTests
{
    private static readonly TestPki Pki = new(61, IPAddress.Parse("127.0.4.9"));
    private static readonly TestPki Foreign = new(62, IPAddress.Parse("127.0.4.9"));
    private static readonly DateTime Now = TestPki.Epoch.UtcDateTime.AddDays(1);

    [Fact]
    public void A_certificate_of_this_ca_with_client_auth_is_accepted() =>
        Assert.Null(ClientCertificateValidator.Validate(Pki.Client(Roles.Admin), Pki.CaCertificate, Now));

    [Fact]
    public void An_ed25519_client_certificate_as_upstream_talosctl_makes_is_accepted()
    {
        var issued = Pki.Ca.IssueClient(Pki.Context, [Roles.Admin], TimeSpan.FromDays(10), algorithm: PkiKeyAlgorithm.Ed25519);
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem); // .NET verifies it but cannot hold its key
        Assert.Null(ClientCertificateValidator.Validate(cert, Pki.CaCertificate, Now));
    }

    [Fact]
    public void Another_cas_certificate_is_rejected() =>
        Assert.StartsWith("chain to the node's CA failed", ClientCertificateValidator.Validate(Foreign.Client(Roles.Admin), Pki.CaCertificate, Now));

    [Fact]
    public void An_expired_certificate_is_rejected_by_the_injected_clock()
    {
        var cert = Pki.Client(Roles.Admin); // valid 3650 days from the epoch
        Assert.Contains("NotTimeValid", ClientCertificateValidator.Validate(cert, Pki.CaCertificate, TestPki.Epoch.UtcDateTime.AddDays(3651)));
    }

    [Fact]
    public void A_server_certificate_and_a_missing_certificate_are_rejected()
    {
        using var server = X509Certificate2.CreateFromPem(Pki.Server.CertificatePem);
        Assert.Equal("extended key usage must be exactly clientAuth", ClientCertificateValidator.Validate(server, Pki.CaCertificate, Now));
        Assert.Equal("no client certificate", ClientCertificateValidator.Validate(null, Pki.CaCertificate, Now));
    }
}
