using System.Text;
using System.Text.RegularExpressions;
using Talos.Core.Config;
using Talos.Core.Kubernetes;
using Talos.Core.Pki;
using Talos.Ctl.Config;

namespace Talos.Ctl.Gen;

/// <summary>The three outputs of <c>gen config</c>.</summary>
/// <param name="ControlPlane">controlplane.yaml (carries the CA keys).</param>
/// <param name="Worker">worker.yaml (CA certificates only, no etcd section).</param>
/// <param name="TalosConfig">talosconfig: context = cluster name, endpoint = endpoint host, os:admin client certificate.</param>
public sealed record GeneratedConfigs(MachineConfig ControlPlane, MachineConfig Worker, TalosConfig TalosConfig);

/// <summary>
/// Builds the machine configs and talosconfig of a cluster from a secrets bundle, as upstream's
/// <c>generate.NewInput</c> + <c>configpatcher</c>: shared patches first, then per-role patches, then validation.
/// Pure apart from the injected <see cref="PkiContext"/> (only the talosconfig client certificate uses it).
/// </summary>
public static partial class ConfigGenerator
{
    /// <summary>Cluster pod network (upstream default).</summary>
    public const string PodSubnet = "10.244.0.0/16";

    /// <summary>Cluster service network (upstream default).</summary>
    public const string ServiceSubnet = "10.96.0.0/12";

    /// <summary>Generates and validates both configs and the talosconfig.</summary>
    /// <exception cref="GenInputException">Bad endpoint, cluster name or Kubernetes version.</exception>
    /// <exception cref="Talos.Core.Errors.ConfigPatchException">A patch could not be applied.</exception>
    /// <exception cref="Talos.Core.Errors.ConfigParseException">A patch produced unknown fields or wrong types.</exception>
    /// <exception cref="Talos.Core.Errors.ConfigValidationException">A patched config is invalid.</exception>
    public static GeneratedConfigs Generate(GenConfigInput input, SecretsBundle secrets, PkiContext pki)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(pki);
        var endpoint = CheckInput(input);
        var controlPlane = Base(input, secrets, endpoint, controlPlane: true)
            .ApplyPatches(input.Patches.Concat(input.ControlPlanePatches)).EnsureValid();
        var worker = Base(input, secrets, endpoint, controlPlane: false)
            .ApplyPatches(input.Patches.Concat(input.WorkerPatches)).EnsureValid();
        return new GeneratedConfigs(controlPlane, worker, TalosConfigFor(input.ClusterName, endpoint, secrets, pki));
    }

    /// <summary>Checks the arguments that need no secrets; returns the parsed endpoint.</summary>
    /// <exception cref="GenInputException">Bad endpoint, cluster name or Kubernetes version.</exception>
    public static Uri CheckInput(GenConfigInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var endpoint = ClusterEndpoint.Parse(input.Endpoint);
        if (string.IsNullOrWhiteSpace(input.ClusterName))
            throw new GenInputException("cluster-name", "the cluster name must not be empty");
        if (!KubeVersion().IsMatch(input.KubernetesVersion))
            throw new GenInputException("--kubernetes-version", $"invalid Kubernetes version \"{input.KubernetesVersion}\": expected e.g. 1.30.3");
        return endpoint;
    }

    /// <summary>The un-patched config of one machine type.</summary>
    internal static MachineConfig Base(GenConfigInput input, SecretsBundle s, Uri endpoint, bool controlPlane)
    {
        var version = input.KubernetesVersion.TrimStart('v');
        var machine = new MachineSection(
            Type: controlPlane ? "controlplane" : "worker",
            Token: s.TrustdToken,
            Ca: Cert(s.Certs.Os, withKey: controlPlane),
            AcceptedCAs: ValueList<CertAndKey>.Empty,
            CertSANs: ValueList<string>.Empty,
            Install: new InstallConfig(input.InstallDisk, null, input.InstallImage, false, ValueList<string>.Empty, false, false),
            Upgrade: null,
            Kubelet: new KubeletConfig($"{GenConfigInput.KubeletRepository}:v{version}", ValueMap<string>.Empty, ValueList<ExtraMount>.Empty, false),
            Network: null,
            Registries: null,
            Features: new FeaturesConfig(Rbac: true),
            Time: null,
            Sysctls: ValueMap<string>.Empty);
        var cluster = new ClusterSection(
            Id: s.ClusterId,
            Secret: s.ClusterSecret,
            ClusterName: input.ClusterName,
            ControlPlane: new ControlPlaneConfig(endpoint.OriginalString),
            Network: new ClusterNetworkConfig("cluster.local", new ValueList<string>([PodSubnet]), new ValueList<string>([ServiceSubnet]), ""),
            Token: s.BootstrapToken,
            Ca: Cert(s.Certs.K8s, withKey: controlPlane),
            // Validation forbids etcd config on workers (upstream: "etcd config is only allowed on control plane machines").
            Etcd: controlPlane ? new EtcdConfig(Cert(s.Certs.Etcd, withKey: true)) : null)
        {
            // Upstream's component images at the chosen version: their tags are the versions the simulated units
            // run and upgrade-k8s changes (issue #12). kube-proxy is a unit on every node here, so workers carry it too.
            ApiServer = controlPlane ? Image(KubeComponent.ApiServer, version) : null,
            ControllerManager = controlPlane ? Image(KubeComponent.ControllerManager, version) : null,
            Proxy = Image(KubeComponent.Proxy, version),
            Scheduler = controlPlane ? Image(KubeComponent.Scheduler, version) : null,
        };
        return new MachineConfig(MachineConfig.V1Alpha1, Debug: false, Persist: true, machine, cluster, Audit: null, Hostname: null);
    }

    /// <summary>
    /// The talosconfig of a new cluster: one context named after the cluster, the endpoint host as its only endpoint
    /// (apid listens on 50000 there, not on the Kubernetes port), no default nodes, and an os:admin client certificate
    /// (ECDSA P-256 so the .NET CLI can present it) signed by the OS CA.
    /// </summary>
    public static TalosConfig TalosConfigFor(string clusterName, Uri endpoint, SecretsBundle s, PkiContext pki)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(s);
        var client = s.Certs.Os.ToAuthority().IssueClient(pki, [Roles.Admin], CertificateAuthority.DefaultClientValidity);
        var cfg = new TalosConfig { Context = clusterName };
        cfg.Contexts[clusterName] = new TalosContext
        {
            Endpoints = { endpoint.DnsSafeHost },
            Ca = B64(s.Certs.Os.Crt),
            Crt = B64(client.CertificatePem),
            Key = B64(client.KeyPem),
        };
        return cfg;
    }

    private static ComponentConfig Image(KubeComponent c, string version) => new($"{c.Repository}:v{version}");

    private static CertAndKey Cert(PemPair p, bool withKey) => new(B64(p.Crt), withKey ? B64(p.Key) : "");

    private static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+$")]
    private static partial Regex KubeVersion();
}
