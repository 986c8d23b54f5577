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
    public static readonly TimeSpan DefaultValidity = Talos.Core.Kubernetes.AdminKubeconfig.DefaultValidity;

    /// <summary>Kubernetes' superuser group.</summary>
    public const string AdminGroup = Talos.Core.Kubernetes.AdminKubeconfig.AdminGroup;

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
        // The renderer lives in core so that a control-plane node renders the same file (Kubeconfig RPC, issue #12).
        return Talos.Core.Kubernetes.AdminKubeconfig.Render(kubernetesCa.Crt, kubernetesCa.Key, clusterName, server, pki, username);
    }
}
