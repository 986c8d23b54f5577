using Talos.Ctl.Client;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Kubernetes;

public sealed class KubeconfigPathRulesAreUpstreams : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubeconfig-path-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Merge_defaults_to_the_first_KUBECONFIG_entry_else_the_home_kube_config()
    {
        Assert.Equal("/a/config", KubeconfigCommand.DefaultPath($"/a/config{Path.PathSeparator}/b/config", "/home/u"));
        Assert.Equal("/home/u/.kube/config", KubeconfigCommand.DefaultPath(null, "/home/u"));
        Assert.Equal("/home/u/.kube/config", KubeconfigCommand.DefaultPath("", "/home/u"));
    }

    [Fact]
    public void A_directory_gets_a_file_named_kubeconfig_and_dash_is_stdout_only_without_merge()
    {
        Assert.Equal(Path.Combine(_dir, "kubeconfig"), KubeconfigCommand.Target(_dir, merge: false, force: false, out var stdout));
        Assert.False(stdout);
        Assert.Equal("-", KubeconfigCommand.Target("-", merge: false, force: false, out stdout));
        Assert.True(stdout);
        KubeconfigCommand.Target("-", merge: true, force: false, out stdout);
        Assert.False(stdout);   // upstream: "-" means stdout only with --merge=false
    }

    [Fact]
    public void An_existing_file_is_refused_without_merge_or_force_before_any_node_is_contacted()
    {
        var file = Path.Combine(_dir, "kc");
        File.WriteAllText(file, "old");
        var e = Assert.Throws<UsageException>(() => KubeconfigCommand.Target(file, merge: false, force: false, out _));
        Assert.Equal($"kubeconfig file already exists, use --force to overwrite: \"{file}\"", e.Message);
        Assert.Equal(file, KubeconfigCommand.Target(file, merge: false, force: true, out _));
        Assert.Equal(file, KubeconfigCommand.Target(file, merge: true, force: false, out _));
        Assert.Equal("old", File.ReadAllText(file));
    }
}
