using Google.Protobuf;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using ApplyMode = Talos.Api.Machine.ApplyConfigurationRequest.Types.Mode;

namespace Talos.Ctl.Tests.Commands;

public sealed class LifecycleCommandsSendUpstreamRequests : NodeCommandTestBase
{
    private const string Config = "version: v1alpha1\nmachine:\n  type: controlplane\n  certSANs:\n  - 10.0.0.1\n";

    [Fact]
    public async Task Apply_config_insecure_reaches_a_maintenance_node_without_a_talosconfig()
    {
        await using var maintenance = await FakeNode.StartAsync(Pki, "127.0.9.4", maintenance: true);
        File.Delete(ConfigPath);
        File.WriteAllText(PathOf("cp.yaml"), Config);

        var (rc, output, err) = await Run("apply-config", "--insecure", "-n", $"127.0.9.4:{maintenance.Port}", "--file", PathOf("cp.yaml"));

        Assert.Equal(0, rc);
        Assert.Equal("Applied configuration without a reboot\n", output);
        Assert.Equal("warning: machine.install.disk is deprecated\n", err);
        var request = Assert.IsType<ApplyConfigurationRequest>(Assert.Single(maintenance.Machine.Requests));
        Assert.Equal(Config, request.Data.ToStringUtf8());
        Assert.Equal(ApplyMode.Auto, request.Mode);
    }

    [Fact]
    public async Task Apply_config_patch_without_file_patches_the_nodes_current_config_and_try_sets_the_timeout()
    {
        Node1.State.Resources.Add(new Resource
        {
            Metadata = new Metadata { Namespace = "config", Type = "MachineConfigs.config.talos.dev", Id = "v1alpha1", Version = "1" },
            Spec = new Spec { YamlSpec = Config },
        });
        File.WriteAllText(PathOf("patch.yaml"), "machine:\n  certSANs:\n  - 10.0.0.2\n  kubelet:\n    extraArgs:\n      max-pods: \"150\"\n");

        var (rc, output, _) = await Run("apply-config", "--config-patch", "@" + PathOf("patch.yaml"), "--mode", "try", "--timeout", "2m");

        Assert.Equal(0, rc);
        Assert.Equal("Applied configuration without a reboot\n", output);
        var request = Assert.IsType<ApplyConfigurationRequest>(Assert.Single(Node1.Machine.Requests));
        Assert.Equal(ApplyMode.Try, request.Mode);
        Assert.Equal(TimeSpan.FromMinutes(2), request.TryModeTimeout.ToTimeSpan());
        Assert.Equal("version: v1alpha1\nmachine:\n  type: controlplane\n  certSANs:\n  - 10.0.0.1\n  - 10.0.0.2\n  kubelet:\n    extraArgs:\n      max-pods: \"150\"\n",
            request.Data.ToStringUtf8());
    }

    [Fact]
    public async Task Apply_config_with_a_missing_patch_file_is_one_line_and_sends_nothing()
    {
        var (rc, _, err) = await Run("apply-config", "--config-patch", "@" + PathOf("nope.yaml"));
        Assert.Equal(1, rc);
        Assert.Equal($"error: config patch file \"{PathOf("nope.yaml")}\" does not exist\n", err);
        Assert.Empty(Node1.Machine.Requests);
    }

    [Fact]
    public async Task Upgrade_without_wait_prints_the_ack_table_for_every_node()
    {
        var (rc, output, _) = await Run("upgrade", "-n", "127.0.9.1,127.0.9.2", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--preserve", "--stage");
        Assert.Equal(0, rc);
        Assert.Equal(Lines(
            "NODE        ACK                        ACTOR ID",
            "127.0.9.1   Upgrade request received   upgrade-7",
            "127.0.9.2   Upgrade request received   upgrade-7"), output);
        var request = Assert.IsType<UpgradeRequest>(Assert.Single(Node2.Machine.Requests));
        Assert.True(request.Preserve);
        Assert.True(request.Stage);
        Assert.False(request.Force);
    }

    [Fact]
    public async Task Reset_preserve_wipes_everything_but_state_and_refuses_to_combine_with_a_state_label()
    {
        var (rc, output, _) = await Run("reset", "--preserve", "--graceful=false");
        Assert.Equal(0, rc);
        Assert.Equal("127.0.9.1: reset started (actor reset-3)\n", output);
        var request = Assert.IsType<ResetRequest>(Assert.Single(Node1.Machine.Requests));
        Assert.Equal(new[] { "EPHEMERAL" }, request.SystemPartitionsToWipe.Select(p => p.Label));
        Assert.False(request.Graceful);

        var (rc2, _, err) = await Run("reset", "--preserve", "--system-labels-to-wipe", "STATE");
        Assert.Equal(1, rc2);
        Assert.Equal("error: --preserve keeps STATE, but --system-labels-to-wipe names STATE: drop one of them\n", err);
        Assert.Single(Node1.Machine.Requests);
    }

    [Fact]
    public async Task Reset_wipe_mode_and_labels_map_to_the_request()
    {
        var (rc, _, _) = await Run("reset", "--wipe-mode", "system-disk", "--system-labels-to-wipe", "ephemeral,META");
        Assert.Equal(0, rc);
        var request = Assert.IsType<ResetRequest>(Assert.Single(Node1.Machine.Requests));
        Assert.Equal(ResetRequest.Types.WipeMode.SystemDisk, request.Mode);
        Assert.Equal(new[] { "EPHEMERAL", "META" }, request.SystemPartitionsToWipe.Select(p => p.Label));
    }

    [Fact]
    public async Task Rollback_reboot_and_shutdown_print_one_line_per_node()
    {
        Assert.Equal((0, "127.0.9.1: rollback scheduled: the node reboots into the previous slot\n", ""), await Run("rollback"));
        Assert.Equal((0, "127.0.9.1: reboot started (actor reboot-1)\n", ""), await Run("reboot", "--mode", "powercycle"));
        Assert.Equal((0, "127.0.9.1: shutdown started (actor shutdown-1)\n", ""), await Run("shutdown", "--force"));
        Assert.Equal((0, "127.0.9.1: rollback scheduled: the node reboots into the previous slot\n", ""), await Run("rollback", "--force"));
        var requests = Node1.Machine.Requests.ToArray();
        Assert.False(Assert.IsType<RollbackRequest>(requests[0]).Force);
        Assert.True(Assert.IsType<RollbackRequest>(requests[3]).Force);
        Assert.Equal(RebootRequest.Types.Mode.Powercycle, Assert.IsType<RebootRequest>(requests[1]).Mode);
        Assert.True(Assert.IsType<ShutdownRequest>(requests[2]).Force);
    }

    [Fact]
    public async Task Bootstrap_recover_from_uploads_the_snapshot_then_bootstraps_and_refuses_several_nodes()
    {
        var snapshot = Enumerable.Range(0, 2500).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(PathOf("db.snapshot"), snapshot);
        var (rc, output, _) = await Run("bootstrap", "--recover-from", PathOf("db.snapshot"));
        Assert.Equal(0, rc);
        Assert.Equal($"recovering from snapshot \"{PathOf("db.snapshot")}\": snapshot uploaded (2500 bytes)\n", output);
        Assert.Equal(snapshot, Node1.Machine.Recovered);
        Assert.True(Assert.IsType<BootstrapRequest>(Assert.Single(Node1.Machine.Requests)).RecoverEtcd);

        var (rc2, _, err) = await Run("bootstrap", "-n", "127.0.9.1,127.0.9.2");
        Assert.Equal(1, rc2);
        Assert.Equal("error: command \"bootstrap\" is not supported with multiple nodes: pass one control-plane node with -n\n", err);
    }

    [Fact]
    public async Task Etcd_remove_member_parses_the_hex_id_and_leave_and_forfeit_send_upstream_requests()
    {
        Node1.Machine.Members.Add(new EtcdMember { Id = 0xa1b2c3, Hostname = "cp-1" });
        Assert.Equal((0, "", ""), await Run("etcd", "remove-member", "a1b2c3"));
        Assert.Equal(0xa1b2c3UL, Assert.IsType<EtcdRemoveMemberByIDRequest>(Assert.Single(Node1.Machine.Requests)).MemberId);
        var (rc, _, err) = await Run("etcd", "remove-member", "xyz");
        Assert.Equal(1, rc);
        Assert.Contains("failed to parse member ID \"xyz\"", err);
        var (rc2, _, err2) = await Run("etcd", "remove-member", "ff");
        Assert.Equal(1, rc2);
        Assert.Contains("etcd member ff not found", err2);
        Assert.Equal((0, "", ""), await Run("etcd", "leave"));
        Assert.Equal((0, "Moved leadership to cp-2\n", ""), await Run("etcd", "forfeit-leadership"));
        Assert.Contains(Node1.Machine.Requests, r => r is EtcdLeaveClusterRequest);
        Assert.Contains(Node1.Machine.Requests, r => r is EtcdForfeitLeadershipRequest);
    }

    [Fact]
    public async Task Meta_write_sends_the_hex_key_and_delete_of_a_missing_key_is_one_line()
    {
        var (rc, _, _) = await Run("meta", "write", "0x0a", "hello");
        Assert.Equal(0, rc);
        var write = Assert.IsType<MetaWriteRequest>(Assert.Single(Node1.Machine.Requests));
        Assert.Equal(10u, write.Key);
        Assert.Equal(ByteString.CopyFromUtf8("hello"), write.Value);

        var (rc2, _, err) = await Run("meta", "delete", "0x0b");
        Assert.Equal(1, rc2);
        Assert.Equal("error: 127.0.9.1: rpc error: code = NotFound desc = META key 0x0b is not set\n", err);
    }
}
