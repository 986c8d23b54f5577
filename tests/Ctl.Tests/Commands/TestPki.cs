using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Talos.Core.Pki;
using Talos.Ctl.Config;

namespace Talos.Ctl.Tests.Commands;

/// <summary>A seeded CA with server certificates for the fake nodes and client certificates for talosconfigs.</summary>
public sealed class TestPki
{
    private readonly PkiContext _ctx;

    public TestPki(long seed = 9)
    {
        _ctx = PkiContext.Seeded(seed, TimeProvider.System);
        Ca = CertificateAuthority.Create(_ctx, PkiKeyAlgorithm.EcdsaP256);
    }

    public CertificateAuthority Ca { get; }

    public X509Certificate2 CaCertificate => X509Certificate2.CreateFromPem(Ca.CertificatePem);

    /// <summary>A server certificate for <paramref name="addresses"/>, loadable by Kestrel.</summary>
    public X509Certificate2 Server(params string[] addresses)
    {
        var issued = Ca.IssueServer(_ctx, addresses.Select(IPAddress.Parse).ToList(), [], TimeSpan.FromDays(1));
        using var pem = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A talosconfig context with a client certificate for <paramref name="roles"/>.</summary>
    public TalosContext Context(IEnumerable<string> endpoints, IEnumerable<string> nodes, params string[] roles)
    {
        var client = Ca.IssueClient(_ctx, roles.Length == 0 ? ["os:admin"] : roles, TimeSpan.FromDays(1));
        return new TalosContext
        {
            Endpoints = endpoints.ToList(),
            Nodes = nodes.ToList(),
            Ca = B64(Ca.CertificatePem),
            Crt = B64(client.CertificatePem),
            Key = B64(client.KeyPem),
        };
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}
