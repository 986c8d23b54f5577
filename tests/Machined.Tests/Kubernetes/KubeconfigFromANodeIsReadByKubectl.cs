using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Talos.Machined.Tests.Kubernetes;

/// <summary>talosctl kubeconfig against a real control-plane node: kubectl reads the file; openssl verifies the chain.</summary>
[Collection(TwoControlPlanes.Collection)]
public sealed class KubeconfigFromANodeIsReadByKubectl(TwoControlPlanes fx)
{
    [Fact]
    public async Task The_downloaded_kubeconfig_is_read_by_kubectl_merges_on_a_second_run_and_chains_to_the_kubernetes_ca()
    {
        var node = $"127.0.103.2:{fx.Cp1.Server.EndPoint.Port}";
        var file = fx.PathOf("kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        var (rc, output, err) = await fx.Talosctl(null, "-n", node, "kubeconfig", file);
        Assert.True(rc == 0, err);
        Assert.Equal("", output);
        var view = JsonDocument.Parse(Run("kubectl", "config", "view", "--kubeconfig", file, "--raw", "-o", "json")).RootElement;
        Assert.Equal("admin@demo", view.GetProperty("current-context").GetString());
        var cluster = Assert.Single(view.GetProperty("clusters").EnumerateArray());
        Assert.Equal("https://127.0.0.10:6443", cluster.GetProperty("cluster").GetProperty("server").GetString());
        var caPem = Decode(cluster.GetProperty("cluster").GetProperty("certificate-authority-data"));
        Assert.Equal(fx.KubernetesCa.CertificatePem, caPem);
        var user = Assert.Single(view.GetProperty("users").EnumerateArray()).GetProperty("user");
        File.WriteAllText(file + ".ca.pem", caPem);
        File.WriteAllText(file + ".crt.pem", Decode(user.GetProperty("client-certificate-data")));
        Assert.Equal($"{file}.crt.pem: OK\n", Run("openssl", "verify", "-CAfile", file + ".ca.pem", file + ".crt.pem"));
        Assert.Contains("subject=O = system:masters, CN = admin", Run("openssl", "x509", "-in", file + ".crt.pem", "-noout", "-subject"), StringComparison.Ordinal);

        // Upstream's default is --merge: a second download is merged, the clashing user and context renamed.
        var (rc2, out2, err2) = await fx.Talosctl(null, "-n", node, "kubeconfig", file);
        Assert.True(rc2 == 0, err2);
        Assert.Equal("renamed user \"admin@demo\" -> \"admin@demo-1\"\nrenamed context \"admin@demo\" -> \"admin@demo-1\"\n", out2);
        Assert.Equal("admin@demo\nadmin@demo-1\n", Run("kubectl", "config", "get-contexts", "--kubeconfig", file, "-o", "name"));

        var (rc3, _, err3) = await fx.Talosctl(null, "-n", node, "kubeconfig", file, "--merge=false");
        Assert.Equal(1, rc3);
        Assert.Contains($"kubeconfig file already exists, use --force to overwrite: \"{file}\"", err3, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_nodes_are_refused_before_anything_is_written()
    {
        var file = fx.PathOf("never-written");
        var (rc, _, err) = await fx.Talosctl(null, "kubeconfig", file);
        Assert.Equal(1, rc);
        Assert.Contains("not supported with multiple nodes", err, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    private static string Decode(JsonElement b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64.GetString()!));

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("KUBECONFIG");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} did not start (tests/run.sh installs it)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), $"{tool} did not finish within 30 s");
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr}");
        return stdout.Result;
    }
}
