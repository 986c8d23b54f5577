using System.Security.Cryptography.X509Certificates;
using System.Text;
using Talos.Core.Config;
using Talos.Core.Pki;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class GenConfigWritesUpstreamShapedFiles : IDisposable
{
    private const string Image = "ghcr.io/siderolabs/installer:v1.9.0";
    private readonly GenHarness _h = new();

    public void Dispose() => _h.Dispose();

    private Task<(int Rc, string Out, string Err)> Gen(long seed, params string[] extra) =>
        _h.Run(seed, ["gen", "config", "my-cluster", "https://10.0.0.10:6443", "--output-dir", _h.PathOf("_out"), "--install-image", Image, .. extra]);

    private string Read(string name) => File.ReadAllText(_h.PathOf(Path.Combine("_out", name)));

    [Fact]
    public async Task Seeded_run_is_byte_identical_to_the_golden_files()
    {
        var (rc, output, err) = await Gen(42);
        Assert.Equal(0, rc);
        Assert.Equal("", output);
        var dir = _h.PathOf("_out");
        Assert.Equal($"generating PKI and tokens\nCreated {dir}/controlplane.yaml\nCreated {dir}/worker.yaml\nCreated {dir}/talosconfig\n", err);
        Golden.Check("controlplane.yaml", Read("controlplane.yaml"));
        Golden.Check("worker.yaml", Read("worker.yaml"));
        Golden.Check("talosconfig", Read("talosconfig"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_h.PathOf("_out/controlplane.yaml")));
    }

    [Fact]
    public async Task Gen_secrets_output_is_golden_too()
    {
        Assert.Equal(0, (await _h.Run(42, "gen", "secrets", "-o", _h.PathOf("secrets.yaml"))).Rc);
        Golden.Check("secrets.yaml", File.ReadAllText(_h.PathOf("secrets.yaml")));
        var (rc, _, err) = await _h.Run(43, "gen", "secrets", "-o", _h.PathOf("secrets.yaml"));
        Assert.Equal(1, rc);
        Assert.Equal($"error: \"{_h.PathOf("secrets.yaml")}\" already exists, use --force to overwrite\n", err);
        Golden.Check("secrets.yaml", File.ReadAllText(_h.PathOf("secrets.yaml")));
    }

    [Fact]
    public async Task Configs_validate_and_only_the_control_plane_carries_ca_keys()
    {
        Assert.Equal(0, (await Gen(1)).Rc);
        var cp = MachineConfig.Parse(Read("controlplane.yaml")).EnsureValid();
        var worker = MachineConfig.Parse(Read("worker.yaml")).EnsureValid();
        Assert.Equal("controlplane", cp.Machine!.Type);
        Assert.Equal("worker", worker.Machine!.Type);
        Assert.NotEqual("", cp.Machine.Ca!.Key);
        Assert.NotEqual("", cp.Cluster!.Ca!.Key);
        Assert.NotNull(cp.Cluster.Etcd?.Ca?.Key);
        Assert.Equal("", worker.Machine.Ca!.Key);
        Assert.Equal("", worker.Cluster!.Ca!.Key);
        Assert.Null(worker.Cluster.Etcd);
        Assert.Equal(cp.Machine.Ca.Crt, worker.Machine.Ca.Crt);
        Assert.Equal(cp.Cluster.Ca.Crt, worker.Cluster.Ca.Crt);
        Assert.DoesNotContain("PRIVATE KEY", Decode(Read("worker.yaml")), StringComparison.Ordinal);
        foreach (var c in new[] { cp, worker })
        {
            Assert.Equal("https://10.0.0.10:6443", c.Cluster!.ControlPlane!.Endpoint);
            Assert.Equal("my-cluster", c.Cluster.ClusterName);
            Assert.Equal(new InstallConfig("/dev/sda", null, Image, false, ValueList<string>.Empty, false, false), c.Machine!.Install);
            Assert.Equal("ghcr.io/siderolabs/kubelet:v1.30.3", c.Machine.Kubelet!.Image);
            Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", c.Machine.Token);
            Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", c.Cluster.Token);
        }
    }

    // Decodes every base64 value of a YAML text, to search the PEM blocks inside.
    private static string Decode(string yaml) => string.Join("\n", yaml.Split('\n')
        .Select(l => l.Split(": ", 2)).Where(p => p.Length == 2 && p[1].StartsWith("LS0t", StringComparison.Ordinal))
        .Select(p => Encoding.UTF8.GetString(Convert.FromBase64String(p[1]))));

    [Fact]
    public async Task Talosconfig_has_the_cluster_context_the_endpoint_host_and_an_admin_cert_from_the_os_ca()
    {
        Assert.Equal(0, (await Gen(2)).Rc);
        var cfg = TalosConfig.Load(_h.PathOf("_out/talosconfig"));
        Assert.Equal("my-cluster", cfg.Context);
        var ctx = Assert.Single(cfg.Contexts).Value;
        Assert.Equal(new[] { "10.0.0.10" }, ctx.Endpoints);
        Assert.Empty(ctx.Nodes);
        Assert.Equal("os:admin", ClientCert.RolesOf(ctx));
        var cp = MachineConfig.Parse(Read("controlplane.yaml"));
        Assert.Equal(cp.Machine!.Ca!.Crt, ctx.Ca);
        using var ca = X509Certificate2.CreateFromPem(Pem(ctx.Ca!));
        using var leaf = X509Certificate2.CreateFromPem(Pem(ctx.Crt!), Pem(ctx.Key!));
        Assert.True(leaf.HasPrivateKey);
        var eku = Assert.Single(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(new[] { "1.3.6.1.5.5.7.3.2" }, eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.True(Chains(leaf, ca), "client certificate chains to the OS CA");
        using var k8sCa = X509Certificate2.CreateFromPem(Pem(cp.Cluster!.Ca!.Crt));
        Assert.False(Chains(leaf, k8sCa), "and not to the Kubernetes CA");
    }

    internal static string Pem(string b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64));

    internal static bool Chains(X509Certificate2 leaf, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = FixedTime.Epoch.UtcDateTime.AddDays(1);
        return chain.Build(leaf);
    }

    [Fact]
    public async Task Default_install_image_is_ours_at_the_cli_version_and_disk_is_dev_sda()
    {
        var (rc, _, _) = await _h.Run(3, "gen", "config", "c1", "https://127.0.0.2:6443", "-o", _h.PathOf("d"));
        Assert.Equal(0, rc);
        var cp = MachineConfig.Parse(File.ReadAllText(_h.PathOf("d/controlplane.yaml")));
        Assert.Equal($"ghcr.io/siderolabs/installer:{VersionCommand.Tag}", cp.Machine!.Install!.Image);
        Assert.Equal("/dev/sda", cp.Machine.Install.Disk);
    }

    [Fact]
    public async Task Install_disk_and_kubernetes_version_flags_are_honoured()
    {
        Assert.Equal(0, (await Gen(4, "--install-disk", "/dev/vda", "--kubernetes-version", "v1.31.0")).Rc);
        var worker = MachineConfig.Parse(Read("worker.yaml"));
        Assert.Equal("/dev/vda", worker.Machine!.Install!.Disk);
        Assert.Equal("ghcr.io/siderolabs/kubelet:v1.31.0", worker.Machine.Kubelet!.Image);
    }

    [Fact]
    public async Task Existing_files_are_refused_without_force_and_replaced_with_it()
    {
        Assert.Equal(0, (await Gen(5)).Rc);
        var before = _h.Snapshot();
        var (rc, _, err) = await Gen(6);
        Assert.Equal(1, rc);
        Assert.Equal($"error: \"{_h.PathOf("_out/controlplane.yaml")}\" already exists, use --force to overwrite\n", err);
        Assert.Equal(before, _h.Snapshot());
        Assert.Equal(0, (await Gen(6, "--force")).Rc);
        Assert.NotEqual(before["_out/controlplane.yaml"], Read("controlplane.yaml"));
    }

    [Fact]
    public async Task A_bad_kubernetes_version_is_refused_before_generation()
    {
        var (rc, _, err) = await _h.Run(8, "gen", "config", "c", "https://10.0.0.10:6443", "-o", _h.PathOf("x"), "--kubernetes-version", "1.30");
        Assert.Equal(1, rc);
        Assert.Equal("error: invalid Kubernetes version \"1.30\": expected e.g. 1.30.3\n", err);
        Assert.False(Directory.Exists(_h.PathOf("x")));
    }

    [Theory]
    [InlineData("10.0.0.10", "no scheme and port specified for the cluster endpoint URL\ntry: \"https://10.0.0.10:6443\"")]
    [InlineData("10.0.0.10:6443", "no scheme specified for the cluster endpoint URL\ntry: \"https://10.0.0.10:6443\"")]
    [InlineData("https://10.0.0.10", "no port specified for the cluster endpoint URL\ntry: \"https://10.0.0.10:6443\"")]
    [InlineData("ftp://10.0.0.10:21", "the cluster endpoint URL must use https (got \"ftp\")\ntry: \"https://10.0.0.10:21\"")]
    public async Task A_bad_endpoint_is_a_clear_error_before_any_generation(string endpoint, string message)
    {
        var (rc, _, err) = await _h.Run(7, "gen", "config", "c", endpoint, "-o", _h.PathOf("x"));
        Assert.Equal(1, rc);
        Assert.Equal($"error: {message}\n", err);
        Assert.False(Directory.Exists(_h.PathOf("x")));
    }
}
