using System.Text;
using Talos.Core.Config.Yaml;
using Talos.Core.Pki;

namespace Talos.Core.Kubernetes;

/// <summary>
/// Renders an admin kubeconfig in upstream's template shape: one cluster named after the cluster (server = the
/// endpoint, CA = the Kubernetes CA), one user <c>admin@&lt;cluster&gt;</c> with a client certificate CN=admin,
/// O=system:masters (ECDSA P-256, EKU clientAuth) signed by the Kubernetes CA, and one context of the same name in
/// namespace <c>default</c>, which is current. Used by <c>gen config</c> (from the secrets bundle) and by a
/// control-plane node's Kubeconfig RPC (from <c>cluster.ca</c> of its machine config), issue #12.
/// </summary>
public static class AdminKubeconfig
{
    /// <summary>Validity of the admin client certificate (upstream: one year).</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    /// <summary>Kubernetes' superuser group.</summary>
    public const string AdminGroup = "system:masters";

    /// <summary>The kubeconfig YAML text.</summary>
    /// <param name="caCertificatePem">The Kubernetes CA certificate (PEM).</param>
    /// <param name="caKeyPem">Its private key (PEM); "" on a worker, which is refused.</param>
    /// <param name="clusterName">Cluster name (cluster entry and the <c>@cluster</c> part of the user/context).</param>
    /// <param name="server">The Kubernetes API endpoint.</param>
    /// <param name="pki">Random source and clock for the client certificate.</param>
    /// <param name="username">User name part (upstream: admin).</param>
    /// <exception cref="InvalidCertificateRequestException">The CA has no key.</exception>
    public static string Render(string caCertificatePem, string caKeyPem, string clusterName, Uri server, PkiContext pki, string username = "admin")
    {
        ArgumentNullException.ThrowIfNull(caCertificatePem);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        var ca = CertificateAuthority.FromPem(caCertificatePem, string.IsNullOrEmpty(caKeyPem) ? null : caKeyPem);
        var client = ca.IssueClient(pki, [AdminGroup], DefaultValidity, username);
        var id = $"{username}@{clusterName}";
        var root = Map(
            ("apiVersion", S("v1")),
            ("kind", S("Config")),
            ("clusters", Seq(Map(
                ("name", S(clusterName)),
                ("cluster", Map(("server", S(server.OriginalString)), ("certificate-authority-data", S(B64(caCertificatePem)))))))),
            ("users", Seq(Map(
                ("name", S(id)),
                ("user", Map(("client-certificate-data", S(B64(client.CertificatePem))), ("client-key-data", S(B64(client.KeyPem)))))))),
            ("contexts", Seq(Map(
                ("context", Map(("cluster", S(clusterName)), ("namespace", S("default")), ("user", S(id)))),
                ("name", S(id))))),
            ("current-context", S(id)));
        return YamlText.Write([root]);
    }

    private static YScalar S(string v) => YScalar.Str(v);

    private static YSeq Seq(params YNode[] items) => new(items);

    private static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    private static YMap Map(params (string Key, YNode Value)[] entries) =>
        new(entries.Select(e => new YEntry(e.Key, e.Value)).ToList());
}
