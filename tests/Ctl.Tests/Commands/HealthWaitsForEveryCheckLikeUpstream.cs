using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using static Talos.Ctl.Tests.Commands.FakeMachineService;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// <c>talosctl health</c> runs upstream's checks in upstream's words, retries each until --wait-timeout, and fails with
/// one error line naming the check and what is wrong (issue 20 item 2: a stopped kubelet used to pass).
/// </summary>
public sealed class HealthWaitsForEveryCheckLikeUpstream : NodeCommandTestBase
{
    private static readonly string[] CheckNames =
    [
        "etcd to be healthy", "etcd members to be consistent across nodes", "etcd members to be control plane nodes", "apid to be ready",
        "kubelet to be healthy", "all nodes to finish boot sequence", "all services to be running and healthy", "all nodes to report ready",
        "all nodes to boot a confirmed slot",
    ];

    private static Resource Res(string type, string id, IMessage spec) => new()
    {
        Metadata = new Talos.Api.Cosi.Metadata { Namespace = "runtime", Type = type, Id = id, Version = "1", Created = Timestamp.FromDateTimeOffset(T0), Updated = Timestamp.FromDateTimeOffset(T0) },
        Spec = new Spec { ProtoSpec = spec.ToByteString() },
    };

    private static ServiceInfo Service(string id, string state = "Running", bool healthy = true, string msg = "") => new()
    {
        Id = id,
        State = state,
        Health = new ServiceHealth { Healthy = healthy, LastMessage = msg },
        Events = new ServiceEvents { Events = { new ServiceEvent { Msg = state == "Running" ? "Health check successful" : msg, State = state, Ts = Timestamp.FromDateTimeOffset(T0) } } },
    };

    /// <summary>A node as machined serves it when everything is up: a control plane unless <paramref name="worker"/>.</summary>
    private static void Healthy(FakeNode node, bool worker = false, string? unmet = null)
    {
        var status = new MachineStatusStatus { Ready = unmet is null };
        if (unmet is not null) status.UnmetConditions.Add(new UnmetCondition { Name = "service kubelet", Reason = unmet });
        node.State.Resources.AddRange([
            Res("MachineStatuses.runtime.talos.dev", "machine", new MachineStatusSpec { Stage = MachineStage.Running, Status = status }),
            Res("BootSlots.runtime.talos.dev", "A", new BootSlotSpec { Slot = "A", ImageVersion = "v1.2.0", Booted = true, Successful = true, Priority = 2 }),
            Res("BootSlots.runtime.talos.dev", "B", new BootSlotSpec { Slot = "B", ImageVersion = "", Priority = 1 }),
        ]);
        node.Machine.Services.AddRange([Service("machined"), Service("apid"), Service("containerd"), Service("kubelet")]);
        if (worker) return;
        node.Machine.Services.AddRange([Service("trustd"), Service("etcd")]);
        node.Machine.Members.Add(new EtcdMember { Id = 1, Hostname = "cp-1", PeerUrls = { $"https://{node.Address}:2380" } });
    }

    private static string Passed(params string[] names) => string.Concat(names.Select(n => Lines($"waiting for {n}: ...", $"waiting for {n}: OK")));

    [Fact]
    public async Task A_healthy_control_plane_passes_every_check_in_upstreams_words()
    {
        Healthy(Node1);
        var (rc, output, err) = await Run("health");
        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.Equal(Passed(CheckNames), output);
    }

    [Fact]
    public async Task A_stopped_kubelet_fails_health_with_what_is_wrong_and_exit_1()
    {
        Healthy(Node1, unmet: "state Finished");
        Node1.Machine.Services.RemoveAll(s => s.Id == "kubelet");
        Node1.Machine.Services.Add(Service("kubelet", "Finished", false, "Service finished successfully"));
        var (rc, output, err) = await Run("health", "--wait-timeout", "2s");
        Assert.Equal(1, rc);
        const string problem = "127.0.9.1: service \"kubelet\" not in expected state \"Running\": current state [Finished] Service finished successfully";
        Assert.Equal(Passed(CheckNames[..4]) + Lines("waiting for kubelet to be healthy: ...", "waiting for kubelet to be healthy: " + problem), output);
        Assert.Equal($"error: health check \"kubelet to be healthy\" did not pass within 2s: {problem}\n", err);
    }

    [Fact]
    public async Task A_check_is_retried_until_it_passes_within_the_wait_timeout()
    {
        Healthy(Node1);
        var kubelet = Node1.Machine.Services.Single(s => s.Id == "kubelet");
        kubelet.State = "Preparing";
        kubelet.Events.Events[0].Msg = "Running pre state";
        var run = Run("health", "--wait-timeout", "30s");
        // Two ServiceList calls for the etcd check (roles, then etcd), then the kubelet check's attempts: let it see two.
        while (Node1.Machine.ServiceListCalls < 4 && !run.IsCompleted) await Task.Delay(10);
        kubelet.State = "Running";
        var (rc, output, err) = await run;
        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.Contains(Lines("waiting for kubelet to be healthy: ...",
            "waiting for kubelet to be healthy: 127.0.9.1: service \"kubelet\" not in expected state \"Running\": current state [Preparing] Running pre state",
            "waiting for kubelet to be healthy: OK"), output);
        Assert.EndsWith(Passed(CheckNames[5..]), output);
    }

    [Fact]
    public async Task Not_ready_machine_status_and_a_trial_slot_each_fail_their_check()
    {
        Healthy(Node1, unmet: "running, unhealthy: node not ready");
        var (rc, output, err) = await Run("health", "--wait-timeout", "2s");
        Assert.Equal(1, rc);
        Assert.EndsWith("waiting for all nodes to report ready: 127.0.9.1: not ready: service kubelet: running, unhealthy: node not ready\n", output);
        Assert.Equal("error: health check \"all nodes to report ready\" did not pass within 2s: 127.0.9.1: not ready: service kubelet: running, unhealthy: node not ready\n", err);

        Node2.State.Resources.Clear();
        Healthy(Node2);
        Node2.State.Resources.RemoveAll(r => r.Metadata.Type == "BootSlots.runtime.talos.dev");
        Node2.State.Resources.Add(Res("BootSlots.runtime.talos.dev", "B", new BootSlotSpec { Slot = "B", ImageVersion = "v1.2.1", Booted = true, TriesRemaining = 2 }));
        var (rc2, _, err2) = await Run("health", "-n", "127.0.9.2", "--wait-timeout", "2s");
        Assert.Equal(1, rc2);
        Assert.Equal("error: health check \"all nodes to boot a confirmed slot\" did not pass within 2s: 127.0.9.2: slot B, v1.2.1 is on trial, not confirmed yet (2 tries left)\n", err2);
    }

    [Fact]
    public async Task Roles_come_from_the_flags_workers_skip_the_etcd_checks_and_control_planes_must_agree()
    {
        Healthy(Node1, worker: true);
        var (rc, output, _) = await Run("health", "--worker-nodes", "127.0.9.1");
        Assert.Equal(0, rc);
        Assert.StartsWith(Lines("waiting for etcd to be healthy: ...", "waiting for etcd to be healthy: SKIP",
            "waiting for etcd members to be consistent across nodes: ...", "waiting for etcd members to be consistent across nodes: SKIP"), output);

        Node1.State.Resources.Clear();
        Node1.Machine.Services.Clear();
        Healthy(Node1);
        Healthy(Node2);
        Node1.Machine.Members.Add(new EtcdMember { Id = 2, Hostname = "cp-2", PeerUrls = { "https://127.0.9.2:2380" } });
        var (rc2, output2, err2) = await Run("health", "--control-plane-nodes", "127.0.9.1,127.0.9.2", "--wait-timeout", "2s");
        Assert.Equal(1, rc2);
        Assert.EndsWith("waiting for etcd members to be consistent across nodes: 127.0.9.2: expected to have [cp-1 cp-2] members, got [cp-1]\n", output2);
        Assert.Equal("error: health check \"etcd members to be consistent across nodes\" did not pass within 2s: 127.0.9.2: expected to have [cp-1 cp-2] members, got [cp-1]\n", err2);

        Node2.Machine.Members.Add(new EtcdMember { Id = 2, Hostname = "cp-2", PeerUrls = { "https://127.0.9.2:2380" } });
        var (rc3, output3, err3) = await Run("health", "--control-plane-nodes", "127.0.9.1,127.0.9.2");
        Assert.Equal("", err3);
        Assert.Equal(0, rc3);
        Assert.Equal(Passed(CheckNames), output3);
        Assert.Contains("127.0.9.2", Node2.Machine.NodeHeaders);
    }

    [Fact]
    public async Task An_etcd_member_outside_the_control_planes_fails_and_a_node_with_two_roles_is_refused()
    {
        Healthy(Node1);
        Node1.Machine.Members.Add(new EtcdMember { Id = 9, Hostname = "stray", PeerUrls = { "https://10.5.0.9:2380" } });
        var (rc, _, err) = await Run("health", "--wait-timeout", "2s");
        Assert.Equal(1, rc);
        Assert.Equal("error: health check \"etcd members to be control plane nodes\" did not pass within 2s: etcd member ips [\"127.0.9.1\" \"10.5.0.9\"] are not subset of control plane node ips [\"127.0.9.1\"]\n", err);

        var (rc2, output2, err2) = await Run("health", "--control-plane-nodes", "127.0.9.1", "--worker-nodes", "127.0.9.1");
        Assert.Equal(1, rc2);
        Assert.Equal("", output2);
        Assert.Equal("error: node 127.0.9.1 is listed in both --control-plane-nodes and --worker-nodes: give each node one role\n", err2);
    }

    [Fact]
    public async Task An_unreachable_node_is_retried_then_named_in_the_error()
    {
        Healthy(Node1);
        var (rc, output, err) = await Run("health", "-n", "127.0.9.1,127.0.9.3", "--wait-timeout", "2s");
        Assert.Equal(1, rc);
        Assert.StartsWith("waiting for etcd to be healthy: ...\n", output);
        Assert.Equal("error: health check \"etcd to be healthy\" did not pass within 2s: 127.0.9.3: node unreachable: connection refused (is machined running and is the endpoint right?)\n", err);
    }
}
