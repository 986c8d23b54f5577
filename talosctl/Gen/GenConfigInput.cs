using Talos.Core.Config;

namespace Talos.Ctl.Gen;

/// <summary>What <c>talosctl gen config</c> needs besides the secrets.</summary>
/// <param name="ClusterName">cluster.clusterName and the talosconfig context name.</param>
/// <param name="Endpoint">The Kubernetes API endpoint, <c>https://host:port</c> (cluster.controlPlane.endpoint).</param>
/// <param name="InstallImage">machine.install.image.</param>
/// <param name="InstallDisk">machine.install.disk (upstream default /dev/sda).</param>
/// <param name="KubernetesVersion">Kubernetes version without or with a leading v (kubelet image tag).</param>
/// <param name="Patches">Patches for both machine types (applied first).</param>
/// <param name="ControlPlanePatches">Patches for controlplane.yaml only.</param>
/// <param name="WorkerPatches">Patches for worker.yaml only.</param>
public sealed record GenConfigInput(string ClusterName, string Endpoint, string InstallImage, string InstallDisk,
    string KubernetesVersion, IReadOnlyList<ConfigPatch> Patches, IReadOnlyList<ConfigPatch> ControlPlanePatches,
    IReadOnlyList<ConfigPatch> WorkerPatches)
{
    /// <summary>Upstream's default install disk.</summary>
    public const string DefaultInstallDisk = "/dev/sda";

    /// <summary>
    /// Default Kubernetes version. 1.30 so that the seed article's <c>talosctl upgrade-k8s --to 1.31.0</c> is a legal
    /// one-minor step (issue #12).
    /// </summary>
    public const string DefaultKubernetesVersion = "1.30.3";

    /// <summary>Repository of the installer image; the tag is the talosctl version.</summary>
    public const string InstallerRepository = "ghcr.io/siderolabs/installer";

    /// <summary>Repository of the kubelet image; the tag is the Kubernetes version.</summary>
    public const string KubeletRepository = "ghcr.io/siderolabs/kubelet";

    /// <summary>An input with upstream's defaults and no patches.</summary>
    public static GenConfigInput Defaults(string clusterName, string endpoint, string versionTag) =>
        new(clusterName, endpoint, $"{InstallerRepository}:{versionTag}", DefaultInstallDisk, DefaultKubernetesVersion, [], [], []);
}
