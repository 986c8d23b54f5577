using Talos.Core.Config;

namespace Talos.Core.Kubernetes;

/// <summary>
/// One Kubernetes component Talos.NET runs as a SIMULATED service unit (issue #12): its unit id, the machine-config
/// field holding its image, the image repository used when that field is absent, and where it runs.
/// </summary>
/// <param name="Id">Unit id (<c>kube-apiserver</c>, ..., <c>kubelet</c>).</param>
/// <param name="ConfigPath">Dotted config path of the image field, e.g. <c>cluster.apiServer.image</c>.</param>
/// <param name="Repository">Upstream's image repository for the component.</param>
/// <param name="ControlPlaneOnly">True for the control-plane static pods.</param>
public sealed record KubeComponent(string Id, string ConfigPath, string Repository, bool ControlPlaneOnly)
{
    /// <summary>The version used when the config names no image (Talos.NET's default, as gen config's).</summary>
    public static readonly KubeVersion DefaultVersion = new(1, 30, 3);

    /// <summary>kube-apiserver (<c>cluster.apiServer.image</c>).</summary>
    public static readonly KubeComponent ApiServer = new("kube-apiserver", "cluster.apiServer.image", "registry.k8s.io/kube-apiserver", true);

    /// <summary>kube-controller-manager (<c>cluster.controllerManager.image</c>).</summary>
    public static readonly KubeComponent ControllerManager = new("kube-controller-manager", "cluster.controllerManager.image", "registry.k8s.io/kube-controller-manager", true);

    /// <summary>kube-scheduler (<c>cluster.scheduler.image</c>).</summary>
    public static readonly KubeComponent Scheduler = new("kube-scheduler", "cluster.scheduler.image", "registry.k8s.io/kube-scheduler", true);

    /// <summary>kube-proxy (<c>cluster.proxy.image</c>); upstream runs it as a DaemonSet, here a unit on every node.</summary>
    public static readonly KubeComponent Proxy = new("kube-proxy", "cluster.proxy.image", "registry.k8s.io/kube-proxy", false);

    /// <summary>kubelet (<c>machine.kubelet.image</c>).</summary>
    public static readonly KubeComponent Kubelet = new("kubelet", "machine.kubelet.image", "ghcr.io/siderolabs/kubelet", false);

    /// <summary>Every component, in upgrade-k8s order (control plane first, kubelet last).</summary>
    public static IReadOnlyList<KubeComponent> All { get; } = [ApiServer, ControllerManager, Scheduler, Proxy, Kubelet];

    /// <summary>The components a node of this config runs.</summary>
    public static IReadOnlyList<KubeComponent> For(MachineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var cp = config.Machine?.Type is "controlplane" or "init";
        return All.Where(c => cp || !c.ControlPlaneOnly).ToList();
    }

    /// <summary>The image field's value in <paramref name="config"/> ("" when absent).</summary>
    public string ConfiguredImage(MachineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.Cluster;
        return Id switch
        {
            "kube-apiserver" => c?.ApiServer?.Image,
            "kube-controller-manager" => c?.ControllerManager?.Image,
            "kube-scheduler" => c?.Scheduler?.Image,
            "kube-proxy" => c?.Proxy?.Image,
            _ => config.Machine?.Kubelet?.Image,
        } ?? "";
    }

    /// <summary>The image the component runs: the configured one, else the repository at <see cref="DefaultVersion"/>.</summary>
    public string EffectiveImage(MachineConfig config)
    {
        var image = ConfiguredImage(config);
        return image.Length > 0 ? image : $"{Repository}:{DefaultVersion.Tag}";
    }

    /// <summary>
    /// <paramref name="config"/> with this component's image set to <paramref name="image"/>; the other fields are
    /// untouched (a missing section is created).
    /// </summary>
    public MachineConfig WithImage(MachineConfig config, string image)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Id == "kubelet")
        {
            var m = config.Machine ?? throw new ArgumentException("the config has no machine section", nameof(config));
            var k = m.Kubelet ?? new KubeletConfig("", ValueMap<string>.Empty, ValueList<ExtraMount>.Empty, false);
            return config with { Machine = m with { Kubelet = k with { Image = image } } };
        }
        var c = config.Cluster ?? throw new ArgumentException("the config has no cluster section", nameof(config));
        var v = new ComponentConfig(image);
        return config with
        {
            Cluster = Id switch
            {
                "kube-apiserver" => c with { ApiServer = v },
                "kube-controller-manager" => c with { ControllerManager = v },
                "kube-scheduler" => c with { Scheduler = v },
                _ => c with { Proxy = v },
            },
        };
    }
}
