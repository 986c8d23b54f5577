using Talos.Core.Config;
using Talos.Core.Errors;

namespace Talos.Core.Tests.ConfigTests;

public sealed class ConfigPatchTests
{
    private static readonly MachineConfig Base = MachineConfig.Parse(Samples.ControlPlane);

    [Fact]
    public void Strategic_merge_overwrites_scalars_appends_lists_merges_maps()
    {
        var patched = Base.ApplyPatches([ConfigPatch.Parse("""
            machine:
              network:
                hostname: node2
              certSANs:
                - extra.example.com
              kubelet:
                extraArgs:
                  v: "2"
              features:
                rbac: false
            cluster:
              network:
                podSubnets:
                  - 10.100.0.0/16
            """)]);
        Assert.Equal("node2", patched.Machine!.Network!.Hostname);
        Assert.Equal(["10.5.0.2", "node1.example.com", "extra.example.com"], patched.Machine.CertSANs);
        Assert.Equal(["rotate-server-certificates", "v"], patched.Machine.Kubelet!.ExtraArgs.Keys);
        Assert.False(patched.Machine.Features!.Rbac);                 // false always overwrites
        Assert.Equal(["10.100.0.0/16"], patched.Cluster!.Network!.PodSubnets); // replace-tagged list
        Assert.Equal("eth0", patched.Machine.Network.Interfaces[0].Interface);  // untouched siblings kept
    }

    [Fact]
    public void Zero_values_do_not_overwrite_and_patch_delete_removes()
    {
        var patched = Base.ApplyPatches([ConfigPatch.Parse("machine:\n  install:\n    disk: \"\"\n  registries:\n    $patch: delete\n")]);
        Assert.Equal("/dev/sda", patched.Machine!.Install!.Disk);
        Assert.Null(patched.Machine.Registries);
    }

    [Fact]
    public void Patches_apply_in_order_and_hostname_document_is_added_by_kind()
    {
        var patched = Base.ApplyPatches([
            ConfigPatch.Parse("machine:\n  network:\n    hostname: a\n"),
            ConfigPatch.Parse("""[{"op": "replace", "path": "/machine/network/hostname", "value": "b"}]"""),
            ConfigPatch.Parse("apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n")]);
        Assert.Equal("b", patched.Machine!.Network!.Hostname);
        Assert.Equal("stable", patched.Hostname!.Auto);
    }

    [Fact]
    public void Json_patch_ops_in_yaml_form_work()
    {
        var patched = Base.ApplyPatches([ConfigPatch.Parse("""
            - op: add
              path: /machine/install/extraKernelArgs/-
              value: talos.platform=metal
            - op: remove
              path: /machine/sysctls
            - op: copy
              from: /machine/network/hostname
              path: /cluster/clusterName
            - op: test
              path: /cluster/clusterName
              value: node1
            """)]);
        Assert.Equal(["console=ttyS0", "talos.platform=metal"], patched.Machine!.Install!.ExtraKernelArgs);
        Assert.Empty(patched.Machine.Sysctls);
        Assert.Equal("node1", patched.Cluster!.ClusterName);
    }

    [Theory]
    [InlineData("""[{"op": "remove", "path": "/machine/nope/x"}]""", "/machine/nope/x", "path not found: no \"nope\" in \"/machine\"")]
    [InlineData("""[{"op": "add", "path": "/machine/certSANs/7", "value": "x"}]""", "/machine/certSANs/7", "index 7 is out of range (list has 2 items)")]
    [InlineData("""[{"op": "replace", "path": "machine", "value": "x"}]""", "machine", "a JSON pointer must be empty or start with \"/\"")]
    [InlineData("""[{"op": "add", "path": "/machine/type/x", "value": "x"}]""", "/machine/type/x", "cannot add \"x\" to a scalar")]
    [InlineData("""[{"op": "test", "path": "/machine/type", "value": "worker"}]""", "/machine/type", "test failed: value differs")]
    [InlineData("""[{"op": "move", "from": "/machine", "path": "/machine/x"}]""", "/machine/x", "cannot move \"/machine\" into its own child")]
    [InlineData("""[{"op": "add", "path": "/machine/certSANs/x1", "value": "x"}]""", "/machine/certSANs/x1", "\"x1\" is not a list index")]
    public void Json_patch_errors_are_precise(string patch, string path, string problem)
    {
        var ex = Assert.Throws<ConfigPatchException>(() => Base.ApplyPatches([ConfigPatch.Parse(patch)]));
        Assert.Equal((path, problem), (ex.Path, ex.Problem));
        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
    }

    [Fact]
    public void Malformed_patches_are_rejected_and_bad_results_are_parse_errors()
    {
        Assert.Contains("unknown op", Assert.Throws<ConfigPatchException>(() => ConfigPatch.Parse("""[{"op": "frob", "path": "/x"}]""")).Problem);
        Assert.Contains("needs a \"value\"", Assert.Throws<ConfigPatchException>(() => ConfigPatch.Parse("""[{"op": "add", "path": "/x"}]""")).Problem);
        Assert.Throws<ConfigPatchException>(() => ConfigPatch.Parse("just a string"));
        Assert.Contains("cannot merge a list into a scalar",
            Assert.Throws<ConfigPatchException>(() => Base.ApplyPatches([ConfigPatch.Parse("machine:\n  type: [a]\n")])).Problem);
        var ex = Assert.Throws<ConfigParseException>(() => Base.ApplyPatches([ConfigPatch.Parse("machine:\n  nonsense: 1\n")]));
        Assert.Equal("machine.nonsense", ex.Issues.Single().Path);
    }

    [Fact]
    public void Second_op_failing_reports_its_index()
    {
        var ex = Assert.Throws<ConfigPatchException>(() => Base.ApplyPatches([ConfigPatch.Parse(
            """[{"op": "add", "path": "/machine/token", "value": "t"}, {"op": "remove", "path": "/nope"}]""")]));
        Assert.Equal(1, ex.PatchIndex);
        Assert.StartsWith("patch 2: /nope: path not found", ex.Message);
    }
}
