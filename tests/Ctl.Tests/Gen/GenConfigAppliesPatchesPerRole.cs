using Talos.Core.Config;
using Talos.Ctl;

namespace Talos.Ctl.Tests.Gen;

public sealed class GenConfigAppliesPatchesPerRole : IDisposable
{
    private const string KubeletPatch = """
        machine:
          kubelet:
            extraArgs:
              max-pods: "150"
            extraMounts:
              - destination: /var/local-storage
                type: bind
                source: /var/local-storage
                options:
                  - bind
                  - rw
        """;

    private readonly GenHarness _h = new();

    public void Dispose() => _h.Dispose();

    private Task<(int Rc, string Out, string Err)> Gen(params string[] extra) =>
        _h.Run(11, ["gen", "config", "my-cluster", "https://10.0.0.10:6443", "-o", _h.PathOf("_out"), .. extra]);

    private MachineConfig Load(string name) => MachineConfig.Parse(File.ReadAllText(_h.PathOf("_out/" + name))).EnsureValid();

    [Fact]
    public async Task A_strategic_patch_from_a_file_applies_to_both_roles()
    {
        File.WriteAllText(_h.PathOf("kubelet-patch.yaml"), KubeletPatch);
        Assert.Equal(0, (await Gen("--config-patch", "@" + _h.PathOf("kubelet-patch.yaml"))).Rc);
        foreach (var c in new[] { Load("controlplane.yaml"), Load("worker.yaml") })
        {
            Assert.Equal("150", c.Machine!.Kubelet!.ExtraArgs["max-pods"]);
            var mount = Assert.Single(c.Machine.Kubelet.ExtraMounts);
            Assert.Equal(new[] { "bind", "rw" }, mount.Options);
            Assert.StartsWith("ghcr.io/siderolabs/kubelet:", c.Machine.Kubelet.Image, StringComparison.Ordinal); // merged, not replaced
        }
    }

    [Fact]
    public async Task The_real_cli_passes_at_file_to_the_patch_flag_instead_of_expanding_a_response_file()
    {
        File.WriteAllText(_h.PathOf("kubelet-patch.yaml"), KubeletPatch);
        var o = new StringWriter();
        var e = new StringWriter();
        var rc = await Cli.RunAsync(["gen", "config", "my-cluster", "https://10.0.0.10:6443", "--output-dir", _h.PathOf("_out"),
            "--config-patch", "@" + _h.PathOf("kubelet-patch.yaml")], new Talos.Ctl.Commands.CliContext(o, e));
        Assert.True(rc == 0, e.ToString());
        Assert.Equal("150", Load("worker.yaml").Machine!.Kubelet!.ExtraArgs["max-pods"]);
    }

    [Fact]
    public async Task Role_patches_apply_after_the_shared_ones_and_only_to_their_role()
    {
        var (rc, _, err) = await Gen(
            "--config-patch", "machine:\n  certSANs: [shared.example.com]",
            "--config-patch-control-plane", """[{"op": "add", "path": "/machine/certSANs/-", "value": "cp.example.com"}]""",
            "--config-patch-control-plane", "cluster:\n  network:\n    podSubnets: [10.32.0.0/12]",
            "--config-patch-worker", "- op: replace\n  path: /machine/install/disk\n  value: /dev/nvme0n1");
        Assert.True(rc == 0, err);
        var cp = Load("controlplane.yaml");
        var worker = Load("worker.yaml");
        Assert.Equal(new[] { "shared.example.com", "cp.example.com" }, cp.Machine!.CertSANs);
        Assert.Equal(new[] { "shared.example.com" }, worker.Machine!.CertSANs);
        Assert.Equal(new[] { "10.32.0.0/12" }, cp.Cluster!.Network!.PodSubnets); // replaced list, as upstream
        Assert.Equal(new[] { "10.244.0.0/16" }, worker.Cluster!.Network!.PodSubnets);
        Assert.Equal("/dev/sda", cp.Machine.Install!.Disk);
        Assert.Equal("/dev/nvme0n1", worker.Machine.Install!.Disk);
    }

    [Theory]
    [InlineData("--config-patch", "[{\"op\": \"remove\", \"path\": \"/machine/nothing\"}]", "patch 1")]
    [InlineData("--config-patch", "machine: [unclosed", "not YAML or JSON")]
    [InlineData("--config-patch", "machine:\n  kubelett: {}", "unknown field \"kubelett\"")]
    [InlineData("--config-patch-worker", "machine:\n  ca:\n    key: c2VjcmV0", "issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)")]
    [InlineData("--config-patch-control-plane", "[{\"op\": \"remove\", \"path\": \"/machine/install/disk\"}]", "either install disk or diskSelector should be defined")]
    [InlineData("--config-patch", "@missing-patch.yaml", "--config-patch: failed to read patch file \"missing-patch.yaml\"")]
    public async Task A_bad_patch_is_a_clear_error_and_writes_nothing(string flag, string patch, string expected)
    {
        File.WriteAllText(_h.PathOf("keep.txt"), "unrelated");
        var before = _h.Snapshot();
        var (rc, output, err) = await Gen(flag, patch);
        Assert.Equal(1, rc);
        Assert.Equal("", output);
        var line = err.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("Created", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // no stack trace
        Assert.NotEqual("error: ", line);
        Assert.Equal(before, _h.Snapshot());
        Assert.False(Directory.Exists(_h.PathOf("_out")));
    }

    [Fact]
    public async Task A_bad_patch_with_force_leaves_existing_files_untouched()
    {
        Assert.Equal(0, (await Gen()).Rc);
        var before = _h.Snapshot();
        var (rc, _, err) = await Gen("--force", "--config-patch", "machine:\n  type: banana");
        Assert.Equal(1, rc);
        Assert.Contains("unknown machine type \"banana\"", err, StringComparison.Ordinal);
        Assert.Equal(before, _h.Snapshot());
    }
}
