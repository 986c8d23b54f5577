using Talos.Core.Config;
using Talos.Core.Kubernetes;

namespace Talos.Ctl.Kubernetes;

/// <summary>A target node and its machine config, as upgrade-k8s discovered it.</summary>
/// <param name="Node">The node's label (as given with -n).</param>
/// <param name="Config">Its machine config.</param>
public sealed record NodeKubernetes(string Node, MachineConfig Config)
{
    /// <summary>True for control planes.</summary>
    public bool ControlPlane => Config.Machine?.Type is "controlplane" or "init";
}

/// <summary>One component on one node.</summary>
/// <param name="Node">Node label.</param>
/// <param name="Component">The component.</param>
/// <param name="FromImage">Its image now.</param>
/// <param name="ToImage">Its image at the target version.</param>
public sealed record UpgradeStep(string Node, KubeComponent Component, string FromImage, string ToImage)
{
    /// <summary>Already at the target: nothing to patch (a rerun after a failure skips these).</summary>
    public bool UpToDate => FromImage == ToImage;
}

/// <summary>One component across the nodes that run it.</summary>
public sealed record ComponentPhase(KubeComponent Component, IReadOnlyList<UpgradeStep> Steps);

/// <summary>What upgrade-k8s will do, in order.</summary>
/// <param name="From">The lowest kube-apiserver version (or --from).</param>
/// <param name="To">The target.</param>
/// <param name="ControlPlanes">Control-plane nodes, in the order given.</param>
/// <param name="Workers">Worker nodes, in the order given.</param>
/// <param name="Phases">kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, then kubelet.</param>
public sealed record UpgradePlan(KubeVersion From, KubeVersion To, IReadOnlyList<string> ControlPlanes, IReadOnlyList<string> Workers,
    IReadOnlyList<ComponentPhase> Phases)
{
    /// <summary>Steps that still change something.</summary>
    public IEnumerable<UpgradeStep> Pending => Phases.SelectMany(p => p.Steps).Where(s => !s.UpToDate);
}

/// <summary>
/// Builds the rollout plan of <c>upgrade-k8s</c> from the nodes' configs, checking every skew rule of
/// <see cref="UpgradePath"/> first: a plan is returned only when every step is allowed. Pure.
/// </summary>
public static class UpgradePlanner
{
    /// <summary>The plan, or a <see cref="KubernetesSkewException"/> naming the first rule broken.</summary>
    /// <param name="nodes">Every target node with its config.</param>
    /// <param name="to">Target version.</param>
    /// <param name="from">--from (null: the lowest kube-apiserver version).</param>
    /// <param name="upgradeKubelet">Whether kubelets are upgraded too (upstream's --upgrade-kubelet).</param>
    public static UpgradePlan Plan(IReadOnlyList<NodeKubernetes> nodes, KubeVersion to, KubeVersion? from = null, bool upgradeKubelet = true)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var cps = nodes.Where(n => n.ControlPlane).ToList();
        if (cps.Count == 0)
            throw new KubernetesSkewException("no control-plane node among the targets: upgrade-k8s needs the control-plane nodes (pass them with -n)");
        var apiServers = cps.Select(n => (n.Node, Version: VersionOf(n, KubeComponent.ApiServer))).ToList();
        var lowest = apiServers.MinBy(a => a.Version);
        if (from is { } f && f != lowest.Version)
            throw new KubernetesSkewException($"--from {f} does not match the cluster: the lowest kube-apiserver version is {lowest.Version} (on \"{lowest.Node}\")");
        var start = lowest.Version;
        Fail(UpgradePath.ControlPlaneProblem(start, to));
        foreach (var n in cps)
            foreach (var c in KubeComponent.All.Where(c => c.ControlPlaneOnly))
                Fail(UpgradePath.ControlPlaneProblem(VersionOf(n, c), to), $"{c.Id} on \"{n.Node}\": ");
        foreach (var n in nodes)
            foreach (var c in new[] { KubeComponent.Proxy, KubeComponent.Kubelet })
            {
                var v = VersionOf(n, c);
                Fail(UpgradePath.KubeletProblem(c.Id, v, start), $"\"{n.Node}\": ");
                Fail(UpgradePath.KubeletProblem(c.Id, v, to), $"\"{n.Node}\": ");
            }
        var ordered = cps.Concat(nodes.Where(n => !n.ControlPlane)).ToList();
        var phases = KubeComponent.All
            .Where(c => upgradeKubelet || c != KubeComponent.Kubelet)
            .Select(c => new ComponentPhase(c, ordered.Where(n => n.ControlPlane || !c.ControlPlaneOnly).Select(n =>
            {
                var image = c.EffectiveImage(n.Config);
                return new UpgradeStep(n.Node, c, image, ImageTag.WithVersion(image, to));
            }).ToList()))
            .ToList();
        return new UpgradePlan(start, to, cps.Select(n => n.Node).ToList(), nodes.Where(n => !n.ControlPlane).Select(n => n.Node).ToList(), phases);
    }

    /// <summary>The version of <paramref name="c"/> on <paramref name="n"/>, from its image tag.</summary>
    public static KubeVersion VersionOf(NodeKubernetes n, KubeComponent c)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(c);
        var image = c.EffectiveImage(n.Config);
        return ImageTag.VersionOf(image)
            ?? throw new KubernetesSkewException($"cannot tell the version of {c.Id} on \"{n.Node}\": image \"{image}\" ({c.ConfigPath}) has no version tag such as v1.31.0");
    }

    private static void Fail(string? problem, string prefix = "")
    {
        if (problem is not null) throw new KubernetesSkewException(prefix + problem);
    }
}
