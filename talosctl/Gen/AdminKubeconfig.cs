using System.Text;
using Talos.Core.Config.Yaml;
using Talos.Core.Pki;

namespace Talos.Ctl.Gen;

/// <summary>
/// Renders the admin kubeconfig of a cluster from its secrets bundle, in upstream's template shape: one cluster
/// named after the cluster (server = the endpoint, CA = the Kubernetes CA), one user <c>admin@&lt;cluster&gt;</c>
/// with a client certificate CN=admin, O=system:masters (ECDSA P-256, EKU clientAuth) signed by the Kubernetes CA,
/// and one context of the same name in namespace <c>default</c>, which is current.
/// </summary>
public static class AdminKubeconfig
{
    /// <summary>Validity of the admin client certificate (upstream: one year).</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

    /// <summary>Kubernetes' superuser group.</summary>
    public const string AdminGroup = "system:masters";

    /// <summary>The kubeconfig YAML text.</summary>
    /// <param name="secrets">The cluster's bundle (its Kubernetes CA key signs the client certificate).</param>
    /// <param name="clusterName">Cluster name (cluster entry and the <c>@cluster</c> part of the user/context).</param>
    /// <param name="endpoint">The Kubernetes API endpoint, <c>https://host:port</c>.</param>
    /// <param name="pki">Random source and clock for the client certificate.</param>
    /// <param name="username">User name part (upstream: admin).</param>
    /// <exception cref="GenInputException">The endpoint is not a usable URL.</exception>
    public static string Render(SecretsBundle secrets, string clusterName, string endpoint, PkiContext pki, string username = "admin")
    {
        ArgumentNullException.ThrowIfNull(secrets);
        return Render(secrets.Certs.K8s, clusterName, endpoint, pki, username);
    }

    /// <summary>
    /// The kubeconfig YAML text from the Kubernetes CA alone — what a control-plane node holds in
    /// <c>cluster.ca</c> of its machine config (upstream's node-side kubeconfig generation).
    /// </summary>
    /// <exception cref="InvalidCertificateRequestException">The CA has no key (a worker's config).</exception>
    public static string Render(PemPair kubernetesCa, string clusterName, string endpoint, PkiContext pki, string username = "admin")
    {
        ArgumentNullException.ThrowIfNull(kubernetesCa);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        var server = ClusterEndpoint.Parse(endpoint);
        var ca = kubernetesCa.Key.Length > 0 ? kubernetesCa.ToAuthority() : CertificateAuthority.FromPem(kubernetesCa.Crt, null);
        var client = ca.IssueClient(pki, [AdminGroup], DefaultValidity, username);
        var id = $"{username}@{clusterName}";
        var root = Map(
            ("apiVersion", S("v1")),
            ("kind", S("Config")),
            ("clusters", Seq(Map(
                ("name", S(clusterName)),
                ("cluster", Map(("server", S(server.OriginalString)), ("certificate-authority-data", S(B64(kubernetesCa.Crt)))))))),
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

    internal static YMap Map(params (string Key, YNode Value)[] entries) =>
        new(entries.Select(e => new YEntry(e.Key, e.Value)).ToList());
}
