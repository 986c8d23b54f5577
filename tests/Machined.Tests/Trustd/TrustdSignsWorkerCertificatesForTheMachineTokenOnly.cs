using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Org.BouncyCastle.Security;
using Talos.Core.Pki;
using Talos.Machined.Trustd;

namespace Talos.Machined.Tests.Trustd;

public sealed class TrustdSignsWorkerCertificatesForTheMachineTokenOnly
{
    private static readonly IPAddress Cp = IPAddress.Parse("127.0.11.1");
    private static readonly IPAddress Worker = IPAddress.Parse("127.0.11.2");

    private static async Task<(TrustdHost Host, CertificateAuthority Ca)> Start()
    {
        var pki = PkiContext.Seeded(11, TimeProvider.System);
        var ca = CertificateAuthority.Create(pki, PkiKeyAlgorithm.EcdsaP256);
        var server = ca.IssueServer(pki, [Cp], [], TimeSpan.FromDays(1));
        using var pem = X509Certificate2.CreateFromPem(server.CertificatePem, server.KeyPem);
        var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var host = await TrustdHost.StartAsync(Cp, 0, cert, () => new TrustdAuthority(ca, "abcdef.0123456789abcdef"), TimeProvider.System);
        return (host, ca);
    }

    [Fact]
    public async Task The_right_token_gets_a_server_certificate_for_the_worker_address_that_chains_to_the_CA()
    {
        var (host, ca) = await Start();
        await using var _ = host;
        var (crtPem, keyPem) = await RequestAsync(host, ca, "abcdef.0123456789abcdef");
        using var crt = X509Certificate2.CreateFromPem(crtPem, keyPem);
        Assert.True(crt.HasPrivateKey);
        var san = crt.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(new[] { Worker }, san.EnumerateIPAddresses());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(ca.CertificatePem));
        Assert.True(chain.Build(crt), string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
    }

    [Fact]
    public async Task A_wrong_token_is_denied_and_nothing_is_signed()
    {
        var (host, ca) = await Start();
        await using var _ = host;
        var e = await Assert.ThrowsAsync<RpcException>(() => RequestAsync(host, ca, "zzzzzz.0123456789abcdef"));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("invalid machine token", e.Status.Detail);
    }

    [Fact]
    public void A_tampered_request_does_not_verify()
    {
        var (csr, _) = ServerCertificateRequest.Create(PkiContext.Seeded(3, TimeProvider.System), [Worker]);
        var lines = csr.Split('\n');
        var body = lines[2].ToCharArray();
        body[10] = body[10] == 'A' ? 'B' : 'A';
        lines[2] = new string(body);
        Assert.ThrowsAny<Talos.Core.Errors.TalosException>(() => ServerCertificateRequest.Read(string.Join('\n', lines)));
    }

    private static Task<(string, string)> RequestAsync(TrustdHost host, CertificateAuthority ca, string token) =>
        TrustdClient.RequestAsync(Cp.ToString(), token, ca.CertificatePem, [Worker],
            PkiContext.Seeded(5, TimeProvider.System), CancellationToken.None, host.EndPoint.Port);
}
