using Talos.Core.Config;
using Talos.Core.Kubernetes;
using Talos.Machined.Kubernetes;
using Talos.Machined.Services;

namespace Talos.Machined.Tests.Kubernetes;

public sealed class KubernetesUnitsFollowTheConfig
{
    private static readonly TimeProvider Clock = new Support.FixedTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static MachineConfig Config(string type, string version) => MachineConfig.Parse($"""
        version: v1alpha1
        persist: true
        machine:
          type: {type}
          kubelet:
            image: ghcr.io/siderolabs/kubelet:v{version}
        cluster:
          controlPlane:
            endpoint: https://10.0.0.10:6443
          apiServer:
            image: registry.k8s.io/kube-apiserver:v{version}
        """);

    private static ServiceSupervisor Started(string type, string profile = ServiceProfiles.Healthy)
    {
        var s = new ServiceSupervisor(Clock, type == "controlplane", profile);
        KubernetesUnits.Register(s, Config(type, "1.30.3"));
        s.StartAll();
        return s;
    }

    [Fact]
    public void Control_planes_run_the_static_pods_and_every_node_kube_proxy_and_kubelet_with_their_images()
    {
        var cp = Started("controlplane");
        Assert.Equal(new[] { "machined", "apid", "containerd", "kubelet", "trustd", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy" },
            cp.Units.Select(u => u.Id));
        Assert.All(cp.Units, u => Assert.Equal(ServiceState.Running, u.State));
        Assert.Equal("registry.k8s.io/kube-apiserver:v1.30.3", cp.Find("kube-apiserver")!.Image);
        // Not in the config: the repository at the default version.
        Assert.Equal($"registry.k8s.io/kube-scheduler:{KubeComponent.DefaultVersion.Tag}", cp.Find("kube-scheduler")!.Image);
        Assert.Equal("Started task kube-apiserver (simulated) for container registry.k8s.io/kube-apiserver:v1.30.3",
            cp.Find("kube-apiserver")!.Snapshot().Events[^1].Message);
        var worker = Started("worker");
        Assert.Null(worker.Find("kube-apiserver"));
        Assert.NotNull(worker.Find("kube-proxy"));
        Assert.Equal(new[] { "apid", "machined", "kubelet" }, worker.Required);   // the health gate is unchanged
    }

    [Fact]
    public void Kube_apiserver_waits_for_etcd_on_control_planes_and_its_dependents_follow()
    {
        var s = new ServiceSupervisor(Clock, controlPlane: true, ServiceProfiles.Healthy);
        KubernetesUnits.Register(s, Config("controlplane", "1.30.3"));
        Assert.Equal(new[] { "kubelet", "etcd" }, s.Find("kube-apiserver")!.DependsOn);
        // etcd down when the units start: kube-apiserver and its dependents wait, the health gate's units do not.
        foreach (var id in new[] { "machined", "apid", "containerd", "kubelet", "trustd" }) s.Start(id);
        foreach (var id in new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler" }) s.Start(id);
        Assert.Equal("Waiting for service \"etcd\" to be \"up\"", s.Find("kube-apiserver")!.Snapshot().Events[^1].Message);
        Assert.Equal(ServiceState.Waiting, s.Find("kube-scheduler")!.State);
        s.Start("etcd");
        Assert.All(new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler" }, id => Assert.Equal(ServiceState.Running, s.Find(id)!.State));

        var worker = new ServiceSupervisor(Clock, controlPlane: false, ServiceProfiles.Healthy);
        KubernetesUnits.Register(worker, Config("worker", "1.30.3"));
        Assert.Equal(new[] { "kubelet" }, worker.Find("kube-proxy")!.DependsOn);
    }

    [Fact]
    public void A_new_image_restarts_only_its_unit_and_reapplying_restarts_nothing()
    {
        var s = Started("controlplane");
        var next = KubeComponent.ApiServer.WithImage(Config("controlplane", "1.30.3"), "registry.k8s.io/kube-apiserver:v1.31.0");
        var restart = Assert.Single(KubernetesUnits.Reconcile(s, next, Clock));
        Assert.Equal(("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.30.3", "registry.k8s.io/kube-apiserver:v1.31.0"), (restart.Id, restart.From, restart.To));
        Assert.Equal(new[] { ServiceState.Stopping, ServiceState.Finished, ServiceState.Preparing, ServiceState.Preparing, ServiceState.Running },
            restart.Steps.Select(x => x.State));
        Assert.True(restart.Steps[^1].Healthy);
        Assert.Contains(s.Find("kube-apiserver")!.Logs.Tail(-1), l => l.EndsWith("image registry.k8s.io/kube-apiserver:v1.30.3 -> registry.k8s.io/kube-apiserver:v1.31.0", StringComparison.Ordinal));
        Assert.Empty(KubernetesUnits.Reconcile(s, next, Clock));
    }

    [Fact]
    public void The_kubelet_never_healthy_profile_keeps_a_restarted_kubelet_unhealthy()
    {
        var s = Started("worker", ServiceProfiles.KubeletNeverHealthy);
        var next = KubeComponent.Kubelet.WithImage(Config("worker", "1.30.3"), "ghcr.io/siderolabs/kubelet:v1.31.0");
        var restart = Assert.Single(KubernetesUnits.Reconcile(s, next, Clock));
        Assert.Equal(ServiceState.Running, restart.Steps[^1].State);
        Assert.False(restart.Steps[^1].Healthy);
        Assert.False(s.Find("kubelet")!.Snapshot().Healthy);
    }
}
