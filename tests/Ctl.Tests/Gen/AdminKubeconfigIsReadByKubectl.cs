using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Talos.Core.Config.Yaml;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class AdminKubeconfigIsReadByKubectl : IDisposable
{
    private static readonly SecretsBundle Bundle = SecretsBundle.Generate(GenHarness.Pki(21));
    private readonly GenHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Render(string cluster = "my-cluster", string endpoint = "https://10.0.0.10:6443", long seed = 22) =>
        AdminKubeconfig.Render(Bundle, cluster, endpoint, GenHarness.Pki(seed));

    private static JsonElement View(string file)
    {
        var (rc, output, err) = Kubectl.Run("config", "view", "--kubeconfig", file, "--raw", "-o", "json");
        Assert.True(rc == 0, err);
        return JsonDocument.Parse(output).RootElement;
    }

    private static string[] ContextNames(string file)
    {
        var (rc, output, err) = Kubectl.Run("config", "get-contexts", "--kubeconfig", file, "-o", "name");
        Assert.True(rc == 0, err);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Kubectl_reads_the_rendered_file_and_the_client_certificate_chains_to_the_kubernetes_ca()
    {
        var file = _h.PathOf("kubeconfig");
        Assert.Empty(KubeconfigFile.Write(file, Render(), merge: true, force: false));
        var view = View(file);
        Assert.Equal("admin@my-cluster", view.GetProperty("current-context").GetString());
        var cluster = Assert.Single(view.GetProperty("clusters").EnumerateArray());
        Assert.Equal("my-cluster", cluster.GetProperty("name").GetString());
        Assert.Equal("https://10.0.0.10:6443", cluster.GetProperty("cluster").GetProperty("server").GetString());
        var ctx = Assert.Single(view.GetProperty("contexts").EnumerateArray()).GetProperty("context");
        Assert.Equal(("my-cluster", "admin@my-cluster", "default"),
            (ctx.GetProperty("cluster").GetString(), ctx.GetProperty("user").GetString(), ctx.GetProperty("namespace").GetString()));
        var user = Assert.Single(view.GetProperty("users").EnumerateArray()).GetProperty("user");
        using var ca = X509Certificate2.CreateFromPem(Decode(cluster.GetProperty("cluster").GetProperty("certificate-authority-data")));
        using var leaf = X509Certificate2.CreateFromPem(Decode(user.GetProperty("client-certificate-data")), Decode(user.GetProperty("client-key-data")));
        Assert.Equal(Bundle.Certs.K8s.Crt, Decode(cluster.GetProperty("cluster").GetProperty("certificate-authority-data")));
        Assert.Equal("CN=admin, O=system:masters", leaf.Subject);
        Assert.True(leaf.HasPrivateKey);
        Assert.True(GenConfigWritesUpstreamShapedFiles.Chains(leaf, ca), "admin certificate chains to the Kubernetes CA");
        using var osCa = X509Certificate2.CreateFromPem(Bundle.Certs.Os.Crt);
        Assert.False(GenConfigWritesUpstreamShapedFiles.Chains(leaf, osCa));
        Assert.Equal(new[] { "admin@my-cluster" }, ContextNames(file));
    }

    private static string Decode(JsonElement b64) => GenConfigWritesUpstreamShapedFiles.Pem(b64.GetString()!);

    [Fact]
    public void Kubectl_loads_the_client_key_pair_and_only_fails_at_the_network()
    {
        var file = _h.PathOf("kubeconfig");
        KubeconfigFile.Write(file, Render(endpoint: "https://127.0.0.1:1"), merge: false, force: false);
        var (rc, _, err) = Kubectl.Run("--kubeconfig", file, "--request-timeout=5s", "get", "--raw", "/version");
        Assert.NotEqual(0, rc);
        // kubectl: "The connection to the server 127.0.0.1:1 was refused"; a bad key pair fails earlier with "tls: ...".
        Assert.Contains("127.0.0.1:1 was refused", err, StringComparison.Ordinal);
        Assert.DoesNotContain("tls", err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Merge_renames_a_clashing_user_and_context_reuses_the_identical_cluster_and_keeps_other_entries()
    {
        var file = _h.PathOf("config");
        File.WriteAllText(file, """
            apiVersion: v1
            kind: Config
            preferences: {}
            clusters:
            - name: other
              cluster:
                server: https://192.0.2.1:6443
                insecure-skip-tls-verify: true
            users:
            - name: bob
              user:
                token: abc
            contexts:
            - name: bob@other
              context:
                cluster: other
                user: bob
            current-context: bob@other
            """);
        Assert.Empty(KubeconfigFile.Write(file, Render(seed: 1), merge: true, force: false));
        var renames = KubeconfigFile.Write(file, Render(seed: 2), merge: true, force: false);
        Assert.Equal(new[]
        {
            "renamed user \"admin@my-cluster\" -> \"admin@my-cluster-1\"",
            "renamed context \"admin@my-cluster\" -> \"admin@my-cluster-1\"",
        }, renames.Select(r => r.ToString()));
        Assert.Equal(new[] { "admin@my-cluster", "admin@my-cluster-1", "bob@other" }, ContextNames(file).Order(StringComparer.Ordinal));
        var view = View(file);
        Assert.Equal("admin@my-cluster-1", view.GetProperty("current-context").GetString());
        Assert.Equal(new[] { "my-cluster", "other" }, view.GetProperty("clusters").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var merged = view.GetProperty("contexts").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "admin@my-cluster-1");
        Assert.Equal("my-cluster", merged.GetProperty("context").GetProperty("cluster").GetString());
        Assert.Equal("admin@my-cluster-1", merged.GetProperty("context").GetProperty("user").GetString());
        Assert.Equal("abc", view.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("name").GetString() == "bob").GetProperty("user").GetProperty("token").GetString());
        var third = KubeconfigFile.Write(file, Render(seed: 3), merge: true, force: false);
        Assert.Equal("admin@my-cluster-2", third[^1].To);
    }

    [Fact]
    public void A_cluster_with_the_same_name_but_another_server_is_renamed_too()
    {
        var merged = KubeconfigMerge.Merge(Render(endpoint: "https://10.0.0.10:6443"), Render(endpoint: "https://10.0.0.99:6443"));
        Assert.Contains(new KubeconfigRename("cluster", "my-cluster", "my-cluster-1"), merged.Renames);
        var root = (YMap)YamlText.Parse(merged.Yaml)[0];
        var ctx = ((YSeq)root.Get("contexts")!).Items.Cast<YMap>().Single(c => ((YScalar)c.Get("name")!).Value == "admin@my-cluster-1");
        Assert.Equal("my-cluster-1", ((YScalar)((YMap)ctx.Get("context")!).Get("cluster")!).Value);
    }

    [Fact]
    public void Existing_file_without_merge_or_force_is_refused_and_force_overwrites()
    {
        var file = _h.PathOf("kubeconfig");
        File.WriteAllText(file, "old");
        var e = Assert.Throws<OutputExistsException>(() => KubeconfigFile.Write(file, Render(), merge: false, force: false));
        Assert.Equal($"\"{file}\" already exists, use --force to overwrite", e.Message);
        Assert.Equal("old", File.ReadAllText(file));
        KubeconfigFile.Write(file, Render(), merge: false, force: true);
        Assert.Equal(new[] { "admin@my-cluster" }, ContextNames(file));
    }

    [Theory]
    [InlineData("clusters: 5\n", "clusters: expected a list")]
    [InlineData("- just\n- a list\n", "expected one YAML map")]
    [InlineData("contexts:\n- context: {}\n", "an entry has no name")]
    public void Merging_into_a_file_that_is_not_a_kubeconfig_fails_and_leaves_it_alone(string content, string problem)
    {
        var file = _h.PathOf("config");
        File.WriteAllText(file, content);
        var e = Assert.Throws<KubeconfigException>(() => KubeconfigFile.Write(file, Render(), merge: true, force: false));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(file));
    }

    [Fact]
    public void The_kubernetes_ca_alone_is_enough_and_a_worker_ca_without_key_is_refused()
    {
        Assert.Equal(Render(seed: 5), AdminKubeconfig.Render(Bundle.Certs.K8s, "my-cluster", "https://10.0.0.10:6443", GenHarness.Pki(5)));
        var e = Assert.Throws<Talos.Core.Pki.InvalidCertificateRequestException>(() =>
            AdminKubeconfig.Render(Bundle.Certs.K8s with { Key = "" }, "my-cluster", "https://10.0.0.10:6443", GenHarness.Pki(5)));
        Assert.Equal("ca", e.Field);
    }

    [Fact]
    public void Rendering_is_deterministic_for_a_seed_and_golden()
    {
        Golden.Check("kubeconfig", Render(seed: 5));
        Assert.Equal(Render(seed: 5), Render(seed: 5));
        Assert.NotEqual(Render(seed: 5), Render(seed: 6));
    }
}
