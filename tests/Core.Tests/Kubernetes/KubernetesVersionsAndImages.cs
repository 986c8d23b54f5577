using Talos.Core.Config;
using Talos.Core.Kubernetes;

namespace Talos.Core.Tests.Kubernetes;

public sealed class KubernetesVersionsAndImages
{
    [Theory]
    [InlineData("1.31.0", 1, 31, 0)]
    [InlineData("v1.30.12", 1, 30, 12)]
    public void Release_versions_parse_with_or_without_v(string text, int major, int minor, int patch)
    {
        var v = KubeVersion.Parse(text);
        Assert.Equal(new KubeVersion(major, minor, patch), v);
        Assert.Equal($"{major}.{minor}.{patch}", v.ToString());
        Assert.Equal($"v{major}.{minor}.{patch}", v.Tag);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.31")]
    [InlineData("1.31.0-rc.1")]
    [InlineData("latest")]
    [InlineData("v1..0")]
    [InlineData("1.31.0.1")]
    [InlineData("+1.31.0")]
    public void Anything_else_is_refused_with_the_text(string text)
    {
        Assert.False(KubeVersion.TryParse(text, out _));
        var e = Assert.Throws<InvalidKubeVersionException>(() => KubeVersion.Parse(text));
        Assert.Contains($"\"{text}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Versions_order_numerically_not_as_text()
    {
        Assert.True(KubeVersion.Parse("1.9.0") < KubeVersion.Parse("1.10.0"));
        Assert.True(KubeVersion.Parse("1.31.2") > KubeVersion.Parse("1.31.1"));
        Assert.True(KubeVersion.Parse("2.0.0") > KubeVersion.Parse("1.99.99"));
    }

    [Theory]
    [InlineData("registry.k8s.io/kube-apiserver:v1.31.0", "v1.31.0", "registry.k8s.io/kube-apiserver")]
    [InlineData("localhost:5000/kubelet:v1.30.3", "v1.30.3", "localhost:5000/kubelet")]
    [InlineData("localhost:5000/kubelet", "", "localhost:5000/kubelet")]
    [InlineData("ghcr.io/siderolabs/kubelet:v1.30.3@sha256:abcd", "v1.30.3", "ghcr.io/siderolabs/kubelet")]
    public void Image_tags_are_read_without_mistaking_a_registry_port(string image, string tag, string repository)
    {
        Assert.Equal(tag, ImageTag.Of(image));
        Assert.Equal(repository, ImageTag.Repository(image));
        Assert.Equal($"{repository}:v1.32.1", ImageTag.WithVersion(image, new KubeVersion(1, 32, 1)));
    }

    [Fact]
    public void Components_come_from_the_config_and_workers_run_no_control_plane()
    {
        var cp = Config("controlplane");
        Assert.Equal(new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet" }, KubeComponent.For(cp).Select(c => c.Id));
        Assert.Equal(new[] { "kube-proxy", "kubelet" }, KubeComponent.For(Config("worker")).Select(c => c.Id));
        Assert.Equal("registry.k8s.io/kube-apiserver:v1.31.0", KubeComponent.ApiServer.EffectiveImage(cp));
        Assert.Equal("ghcr.io/siderolabs/kubelet:v1.31.0", KubeComponent.Kubelet.EffectiveImage(cp));
        // No image configured: the repository at the default version.
        Assert.Equal("registry.k8s.io/kube-scheduler:v1.30.3", KubeComponent.Scheduler.EffectiveImage(cp));
    }

    [Fact]
    public void WithImage_changes_exactly_one_field_and_round_trips_through_yaml()
    {
        var cp = Config("controlplane");
        foreach (var c in KubeComponent.All)
        {
            var changed = c.WithImage(cp, "example.org/x:v1.32.0");
            Assert.Equal("example.org/x:v1.32.0", c.ConfiguredImage(changed));
            // One path: the image field itself, or its section when the config had none (kube-scheduler here).
            var path = Assert.Single(MachineConfig.ChangedPaths(cp, changed));
            Assert.StartsWith(path, c.ConfigPath, StringComparison.Ordinal);
            Assert.Equal(changed, MachineConfig.Parse(changed.ToYaml()));
            foreach (var other in KubeComponent.All.Where(o => o != c))
                Assert.Equal(other.ConfiguredImage(cp), other.ConfiguredImage(changed));
        }
    }

    internal static MachineConfig Config(string type) => MachineConfig.Parse($"""
        version: v1alpha1
        persist: true
        machine:
          type: {type}
          kubelet:
            image: ghcr.io/siderolabs/kubelet:v1.31.0
        cluster:
          controlPlane:
            endpoint: https://10.0.0.10:6443
          apiServer:
            image: registry.k8s.io/kube-apiserver:v1.31.0
          controllerManager:
            image: registry.k8s.io/kube-controller-manager:v1.31.0
          proxy:
            image: registry.k8s.io/kube-proxy:v1.31.0
        """);
}
