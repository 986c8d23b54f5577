using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using FGen = FsCheck.Fluent.Gen;
using Talos.Core.Config;
using Talos.Core.Kubernetes;
using Talos.Ctl.Kubernetes;

namespace Talos.Ctl.Tests.Kubernetes;

public sealed class UpgradeK8sPlansAndSkewRules
{
    private static KubeVersion V(string s) => KubeVersion.Parse(s);

    internal static NodeKubernetes Node(string name, string type, string cp = "1.30.3", string kubelet = "1.30.3", string? proxy = null,
        string? cm = null, string? scheduler = null) => new(name, MachineConfig.Parse($"""
        version: v1alpha1
        persist: true
        machine:
          type: {type}
          kubelet:
            image: ghcr.io/siderolabs/kubelet:v{kubelet}
        cluster:
          controlPlane:
            endpoint: https://10.0.0.10:6443
          apiServer:
            image: registry.k8s.io/kube-apiserver:v{cp}
          controllerManager:
            image: registry.k8s.io/kube-controller-manager:v{cm ?? cp}
          proxy:
            image: registry.k8s.io/kube-proxy:v{proxy ?? kubelet}
          scheduler:
            image: registry.k8s.io/kube-scheduler:v{scheduler ?? cp}
        """));

    [Theory]
    [InlineData("1.30.3", "1.31.0", null)]
    [InlineData("1.30.3", "1.30.5", null)]
    [InlineData("1.30.3", "1.30.1", null)]          // patch-level downgrade inside a minor: allowed
    [InlineData("1.30.3", "1.32.0", "one minor version at a time; upgrade to 1.31 first")]
    [InlineData("1.31.0", "1.30.3", "downgrading to an older minor version is not supported")]
    [InlineData("1.31.0", "2.0.0", "the major version cannot change")]
    public void Control_plane_moves_one_minor_at_a_time(string from, string to, string? problem)
    {
        var p = UpgradePath.ControlPlaneProblem(V(from), V(to));
        if (problem is null) Assert.Null(p);
        else Assert.EndsWith(problem, p, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.30.3", "1.30.3", null)]
    [InlineData("1.27.0", "1.30.3", null)]
    [InlineData("1.26.9", "1.30.3", "more than 3 minor versions older than kube-apiserver 1.30.3")]
    [InlineData("1.31.0", "1.30.3", "newer than kube-apiserver 1.30.3: kubelet must not be newer than the API server")]
    public void Kubelet_is_never_newer_and_at_most_three_minors_older(string kubelet, string api, string? problem)
    {
        var p = UpgradePath.KubeletProblem("kubelet", V(kubelet), V(api));
        if (problem is null) Assert.Null(p);
        else Assert.EndsWith(problem, p, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_orders_control_plane_components_node_by_node_then_proxy_and_kubelets_everywhere()
    {
        var plan = UpgradePlanner.Plan([Node("w1", "worker"), Node("cp1", "controlplane"), Node("cp2", "controlplane")], V("1.31.0"));
        Assert.Equal(V("1.30.3"), plan.From);
        Assert.Equal(new[] { "cp1", "cp2" }, plan.ControlPlanes);
        Assert.Equal(new[] { "w1" }, plan.Workers);
        Assert.Equal(new[]
        {
            "kube-apiserver cp1", "kube-apiserver cp2", "kube-controller-manager cp1", "kube-controller-manager cp2",
            "kube-scheduler cp1", "kube-scheduler cp2", "kube-proxy cp1", "kube-proxy cp2", "kube-proxy w1",
            "kubelet cp1", "kubelet cp2", "kubelet w1",
        }, plan.Phases.SelectMany(p => p.Steps).Select(s => $"{s.Component.Id} {s.Node}"));
        var first = plan.Phases[0].Steps[0];
        Assert.Equal(("registry.k8s.io/kube-apiserver:v1.30.3", "registry.k8s.io/kube-apiserver:v1.31.0"), (first.FromImage, first.ToImage));
        Assert.Equal(12, plan.Pending.Count());
    }

    [Fact]
    public void A_rerun_after_a_partial_rollout_skips_what_is_done_and_detects_the_lowest_api_server()
    {
        // cp1 finished its control plane; cp2 did not: from = the lowest kube-apiserver, 1.30.3.
        var plan = UpgradePlanner.Plan([Node("cp1", "controlplane", cp: "1.31.0"), Node("cp2", "controlplane")], V("1.31.0"));
        Assert.Equal(V("1.30.3"), plan.From);
        Assert.Equal(new[] { "kube-apiserver cp2", "kube-controller-manager cp2", "kube-scheduler cp2", "kube-proxy cp1", "kube-proxy cp2", "kubelet cp1", "kubelet cp2" },
            plan.Pending.Select(s => $"{s.Component.Id} {s.Node}"));
    }

    [Fact]
    public void Skipping_a_minor_is_refused_naming_the_next_step()
    {
        var e = Assert.Throws<KubernetesSkewException>(() => UpgradePlanner.Plan([Node("cp1", "controlplane")], V("1.32.0")));
        Assert.Equal("unsupported upgrade path 1.30 -> 1.32 (from \"1.30.3\" to \"1.32.0\"): Kubernetes upgrades one minor version at a time; upgrade to 1.31 first; nothing was changed", e.Message);
    }

    [Fact]
    public void A_lagging_scheduler_on_one_node_is_refused_even_when_the_api_servers_are_fine()
    {
        var e = Assert.Throws<KubernetesSkewException>(() =>
            UpgradePlanner.Plan([Node("cp1", "controlplane"), Node("cp2", "controlplane", scheduler: "1.29.0")], V("1.31.0")));
        Assert.StartsWith("kube-scheduler on \"cp2\": unsupported upgrade path 1.29 -> 1.31", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubelet_newer_than_the_api_server_is_refused()
    {
        var e = Assert.Throws<KubernetesSkewException>(() =>
            UpgradePlanner.Plan([Node("cp1", "controlplane"), Node("w1", "worker", kubelet: "1.31.0", proxy: "1.30.3")], V("1.31.0")));
        Assert.Equal("\"w1\": kubelet is at 1.31.0, newer than kube-apiserver 1.30.3: kubelet must not be newer than the API server; nothing was changed", e.Message);
    }

    [Fact]
    public void A_kubelet_too_far_behind_the_target_is_refused()
    {
        var e = Assert.Throws<KubernetesSkewException>(() =>
            UpgradePlanner.Plan([Node("cp1", "controlplane"), Node("w1", "worker", kubelet: "1.27.4")], V("1.31.0")));
        Assert.Contains("kube-proxy is at 1.27.4, more than 3 minor versions older than kube-apiserver 1.31.0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_control_plane_wrong_from_and_untagged_images_are_refused_clearly()
    {
        Assert.Contains("no control-plane node among the targets", Assert.Throws<KubernetesSkewException>(() => UpgradePlanner.Plan([Node("w1", "worker")], V("1.31.0"))).Message, StringComparison.Ordinal);
        Assert.StartsWith("--from 1.30.0 does not match the cluster: the lowest kube-apiserver version is 1.30.3 (on \"cp1\")",
            Assert.Throws<KubernetesSkewException>(() => UpgradePlanner.Plan([Node("cp1", "controlplane")], V("1.31.0"), V("1.30.0"))).Message, StringComparison.Ordinal);
        var latest = Node("cp1", "controlplane") is var n ? n with { Config = KubeComponent.Kubelet.WithImage(n.Config, "ghcr.io/siderolabs/kubelet:latest") } : null!;
        Assert.Contains("cannot tell the version of kubelet on \"cp1\": image \"ghcr.io/siderolabs/kubelet:latest\" (machine.kubelet.image) has no version tag",
            Assert.Throws<KubernetesSkewException>(() => UpgradePlanner.Plan([latest], V("1.31.0"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_kubelet_upgrade_the_plan_stops_after_kube_proxy()
    {
        var plan = UpgradePlanner.Plan([Node("cp1", "controlplane")], V("1.31.0"), upgradeKubelet: false);
        Assert.DoesNotContain(plan.Phases, p => p.Component == KubeComponent.Kubelet);
    }

    [Property(MaxTest = 200)]
    public Property Every_accepted_plan_ends_with_every_component_at_the_target_and_skips_only_finished_steps()
    {
        var versions = FGen.Elements("1.29.8", "1.30.0", "1.30.3", "1.31.0", "1.31.2", "1.32.0");
        var nodeGen = from cp in FGen.Elements(true, false)
                      from api in versions
                      from kubelet in versions
                      select (cp, api, kubelet);
        return Prop.ForAll(FGen.ListOf(nodeGen).Where(l => l.Count is > 0 and < 5).ToArbitrary(), FGen.Elements("1.30.5", "1.31.0", "1.32.0").ToArbitrary(), (spec, target) =>
        {
            var nodes = spec.Select((s, i) => Node($"n{i}", s.cp ? "controlplane" : "worker", cp: s.api, kubelet: s.kubelet)).ToList();
            UpgradePlan plan;
            try { plan = UpgradePlanner.Plan(nodes, V(target)); }
            catch (KubernetesSkewException) { return true; }   // refusals are covered by the example tests above
            var steps = plan.Phases.SelectMany(p => p.Steps).ToList();
            var covered = nodes.All(n => KubeComponent.For(n.Config).All(c => steps.Any(s => s.Node == n.Node && s.Component == c)));
            var toTarget = steps.All(s => ImageTag.VersionOf(s.ToImage) == V(target));
            var skipsOnlyDone = steps.All(s => s.UpToDate == (ImageTag.VersionOf(s.FromImage) == V(target)));
            var cpMinor = nodes.Where(n => n.ControlPlane).All(n => V(target).Minor - UpgradePlanner.VersionOf(n, KubeComponent.ApiServer).Minor is 0 or 1);
            return covered && toTarget && skipsOnlyDone && cpMinor;
        });
    }
}
