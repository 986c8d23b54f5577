using System.Security.Cryptography.X509Certificates;
using Talos.Core.Config;
using Talos.Ctl.Config;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class GenConfigWithSecretsRoundTrips : IDisposable
{
    private readonly GenHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<string> GenInto(string dir, long seed)
    {
        var (rc, _, err) = await _h.Run(seed, "gen", "config", "prod", "https://lb.example.com:6443", "-o", _h.PathOf(dir),
            "--with-secrets", _h.PathOf("secrets.yaml"), "--install-image", "ghcr.io/siderolabs/installer:v1.9.0");
        Assert.True(rc == 0, err);
        return err;
    }

    [Fact]
    public async Task Two_runs_with_one_bundle_make_the_same_cluster()
    {
        Assert.Equal(0, (await _h.Run(100, "gen", "secrets", "-o", _h.PathOf("secrets.yaml"))).Rc);
        var bundle = SecretsBundleYaml.Parse(File.ReadAllText(_h.PathOf("secrets.yaml")), "secrets.yaml");
        var err = await GenInto("a", 200);
        Assert.DoesNotContain("generating PKI", err, StringComparison.Ordinal);
        await GenInto("b", 300);
        // Machine configs hold only bundle material: identical bytes whatever the random source.
        Assert.Equal(File.ReadAllText(_h.PathOf("a/controlplane.yaml")), File.ReadAllText(_h.PathOf("b/controlplane.yaml")));
        Assert.Equal(File.ReadAllText(_h.PathOf("a/worker.yaml")), File.ReadAllText(_h.PathOf("b/worker.yaml")));
        var cp = MachineConfig.Parse(File.ReadAllText(_h.PathOf("a/controlplane.yaml")));
        Assert.Equal(bundle.Certs.Os.Crt, GenConfigWritesUpstreamShapedFiles.Pem(cp.Machine!.Ca!.Crt));
        Assert.Equal(bundle.Certs.Os.Key, GenConfigWritesUpstreamShapedFiles.Pem(cp.Machine.Ca.Key));
        Assert.Equal(bundle.Certs.K8s.Crt, GenConfigWritesUpstreamShapedFiles.Pem(cp.Cluster!.Ca!.Crt));
        Assert.Equal(bundle.Certs.Etcd.Key, GenConfigWritesUpstreamShapedFiles.Pem(cp.Cluster.Etcd!.Ca!.Key));
        Assert.Equal((bundle.ClusterId, bundle.ClusterSecret, bundle.BootstrapToken, bundle.TrustdToken),
            (cp.Cluster.Id, cp.Cluster.Secret, cp.Cluster.Token, cp.Machine.Token));
        // Each talosconfig has its own client certificate, both signed by the bundle's OS CA.
        var ta = TalosConfig.Load(_h.PathOf("a/talosconfig")).Contexts["prod"];
        var tb = TalosConfig.Load(_h.PathOf("b/talosconfig")).Contexts["prod"];
        Assert.NotEqual(ta.Crt, tb.Crt);
        Assert.Equal(new[] { "lb.example.com" }, ta.Endpoints);
        using var ca = X509Certificate2.CreateFromPem(bundle.Certs.Os.Crt);
        foreach (var t in new[] { ta, tb })
        {
            using var leaf = X509Certificate2.CreateFromPem(GenConfigWritesUpstreamShapedFiles.Pem(t.Crt!));
            Assert.True(GenConfigWritesUpstreamShapedFiles.Chains(leaf, ca));
        }
    }

    [Fact]
    public async Task The_golden_secrets_file_regenerates_the_golden_machine_configs_byte_for_byte()
    {
        var golden = Path.Combine(GoldenDir(), "secrets.yaml");
        var (rc, _, err) = await _h.Run(999, "gen", "config", "my-cluster", "https://10.0.0.10:6443", "-o", _h.PathOf("g"),
            "--with-secrets", golden, "--install-image", "ghcr.io/siderolabs/installer:v1.9.0");
        Assert.True(rc == 0, err);
        Assert.Equal(File.ReadAllText(Path.Combine(GoldenDir(), "controlplane.yaml")), File.ReadAllText(_h.PathOf("g/controlplane.yaml")));
        Assert.Equal(File.ReadAllText(Path.Combine(GoldenDir(), "worker.yaml")), File.ReadAllText(_h.PathOf("g/worker.yaml")));
    }

    private static string GoldenDir([System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        Path.Combine(Path.GetDirectoryName(caller)!, "golden");

    [Fact]
    public async Task A_missing_or_broken_bundle_is_a_clear_error_and_writes_nothing()
    {
        var (rc, _, err) = await _h.Run(1, "gen", "config", "prod", "https://lb:6443", "-o", _h.PathOf("a"), "--with-secrets", _h.PathOf("nope.yaml"));
        Assert.Equal(1, rc);
        Assert.Equal($"error: --with-secrets: file \"{_h.PathOf("nope.yaml")}\" does not exist\n", err);
        File.WriteAllText(_h.PathOf("bad.yaml"), "cluster:\n  id: x\n");
        (rc, _, err) = await _h.Run(1, "gen", "config", "prod", "https://lb:6443", "-o", _h.PathOf("a"), "--with-secrets", _h.PathOf("bad.yaml"));
        Assert.Equal(1, rc);
        Assert.StartsWith($"error: failed to load secrets bundle \"{_h.PathOf("bad.yaml")}\": cluster.secret: missing; secrets.bootstraptoken: missing;", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.PathOf("a")));
    }
}
