using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Talos.Core.Config;
using Talos.Core.Pki;

namespace Talos.Machined.Etcd;

/// <summary>
/// TLS material of the etcd peer port, all from the cluster's etcd CA (<c>cluster.etcd.ca</c>, base64 PEM as
/// upstream, control planes only): a server certificate for the node's address and a client certificate
/// (O=etcd:peer) the node presents to other members. Both sides trust only the etcd CA.
/// </summary>
public sealed class EtcdPeerTls
{
    /// <summary>The role (O=) in the peer client certificate.</summary>
    public const string PeerRole = "etcd:peer";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    private EtcdPeerTls(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, string caPem)
    {
        Ca = ca;
        Server = server;
        Client = client;
        CaPem = caPem;
    }

    /// <summary>The etcd CA certificate (the only trust anchor).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The peer server certificate (with key).</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The peer client certificate (with key).</summary>
    public X509Certificate2 Client { get; }

    /// <summary>The CA certificate PEM (to tell whether a new config changed the CA).</summary>
    public string CaPem { get; }

    /// <summary>Builds the material, or null when the config carries no usable etcd CA (workers, test placeholders).</summary>
    public static EtcdPeerTls? TryCreate(MachineConfig? config, IPAddress address, string hostname, PkiContext pki, out string why)
    {
        ArgumentNullException.ThrowIfNull(pki);
        why = "";
        var ca = config?.Cluster?.Etcd?.Ca;
        if (ca is null || ca.Crt.Length == 0 || ca.Key.Length == 0) { why = "the machine config has no cluster.etcd.ca with a key"; return null; }
        try
        {
            var crt = Encoding.UTF8.GetString(Convert.FromBase64String(ca.Crt));
            var authority = CertificateAuthority.FromPem(crt, Encoding.UTF8.GetString(Convert.FromBase64String(ca.Key)));
            var server = authority.IssueServer(pki, [address], ["localhost"], Validity);
            var client = authority.IssueClient(pki, [PeerRole], Validity, hostname);
            return new EtcdPeerTls(X509Certificate2.CreateFromPem(crt),
                X509Certificate2.CreateFromPem(server.CertificatePem, server.KeyPem),
                X509Certificate2.CreateFromPem(client.CertificatePem, client.KeyPem), crt);
        }
        catch (Exception e) when (e is FormatException or Talos.Core.Errors.TalosException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            why = $"cluster.etcd.ca is not usable: {e.Message}";
            return null;
        }
    }

    /// <summary>Client-side TLS for a peer connection: present <see cref="Client"/>, trust only the etcd CA.</summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        ClientCertificates = [Client],
        CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true, CustomTrustStore = { Ca },
        },
    };
}
