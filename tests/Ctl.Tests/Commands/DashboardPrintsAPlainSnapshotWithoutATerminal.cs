using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Cosi;
using Talos.Api.Events;
using Talos.Api.Machine;
using static Talos.Ctl.Tests.Commands.FakeMachineService;

namespace Talos.Ctl.Tests.Commands;

public sealed class DashboardPrintsAPlainSnapshotWithoutATerminal : NodeCommandTestBase
{
    private static Resource Res(string type, string id, IMessage spec) => new()
    {
        Metadata = new Talos.Api.Cosi.Metadata { Namespace = "runtime", Type = type, Id = id, Version = "1", Created = Timestamp.FromDateTimeOffset(T0), Updated = Timestamp.FromDateTimeOffset(T0) },
        Spec = new Spec { ProtoSpec = spec.ToByteString() },
    };

    private void Arrange(FakeNode node, bool ready)
    {
        var status = new MachineStatusStatus { Ready = ready };
        if (!ready) status.UnmetConditions.Add(new UnmetCondition { Name = "service kubelet", Reason = "unhealthy: node not ready" });
        node.State.Resources.AddRange([
            Res("MachineStatuses.runtime.talos.dev", "machine", new MachineStatusSpec { Stage = MachineStage.Running, Status = status }),
            Res("Versions.runtime.talos.dev", "version", new VersionSpec { Version = "v1.2.1", Sha = "abc1234" }),
            Res("BootSlots.runtime.talos.dev", "A", new BootSlotSpec { Slot = "A", ImageVersion = "v1.2.0", Successful = true, Priority = 1 }),
            Res("BootSlots.runtime.talos.dev", "B", new BootSlotSpec { Slot = "B", ImageVersion = "v1.2.1", Booted = true, TriesRemaining = 2, Priority = 2 }),
        ]);
        node.Machine.Services.AddRange([
            new ServiceInfo { Id = "apid", State = "Running", Health = new ServiceHealth { Healthy = true } },
            new ServiceInfo { Id = "kubelet", State = "Running", Health = new ServiceHealth { Healthy = ready, LastMessage = ready ? "" : "node not ready" } },
        ]);
        // First the newest-id probe (a one-event tail), then the replay read up to that id.
        node.Machine.EventStreams.Enqueue(new EventScript([Node(45, "boot-2", new NodeEvent { Booted = new Booted { Slot = Slot.B, Version = "v1.2.1" } })]));
        node.Machine.EventStreams.Enqueue(new EventScript([
            Node(40, "boot-1", new NodeEvent { BootConfirmed = new BootConfirmed { Slot = Slot.A, Version = "v1.2.0" } }),
            Node(41, "op-1", new NodeEvent { TaskStarted = new TaskStarted { Sequence = "upgrade", Phase = "install", Task = "writeImage" } }),
            Upstream(42, "op-1", new TaskEvent { Task = "writeImage", Action = TaskEvent.Types.Action.Start }),
            Node(43, "op-1", new NodeEvent { ImageWrittenToSlot = new ImageWrittenToSlot { Slot = Slot.B, ImageRef = "ghcr.io/siderolabs/installer:v1.2.1", Digest = "9f2c4e1ab3d5e6f708192a3b4c5d6e7f", Size = 4096, Version = "v1.2.1" } }),
            Node(44, "op-1", new NodeEvent { TrialBootSet = new TrialBootSet { Slot = Slot.B, Tries = 3 } }),
            Node(45, "boot-2", new NodeEvent { Booted = new Booted { Slot = Slot.B, Version = "v1.2.1" } }),
        ]));
    }

    [Fact]
    public async Task Once_prints_stage_version_slots_services_and_the_last_lifecycle_events_per_node()
    {
        Arrange(Node1, ready: false);
        var (rc, output, err) = await Run("dashboard", "--once", "--events", "3", "-n", "127.0.9.1,127.0.9.3");
        Assert.Equal(1, rc);   // the second node is unreachable
        Assert.Equal("", err);
        Assert.Equal(Lines(
            "NODE 127.0.9.1",
            "  STAGE     running, not ready (service kubelet: unhealthy: node not ready)",
            "  VERSION   v1.2.1",
            "  SLOT A    v1.2.0, confirmed",
            "  SLOT B    v1.2.1, booted, trial (2 tries left)",
            "  SERVICES",
            "    SERVICE   STATE     HEALTH   MESSAGE",
            "    apid      Running   OK",
            "    kubelet   Running   Fail     node not ready",
            "  EVENTS",
            "    ID   EVENT                MESSAGE",
            "    43   ImageWrittenToSlot   slot B <- ghcr.io/siderolabs/installer:v1.2.1 (v1.2.1, sha256:9f2c4e1ab3d5)",
            "    44   TrialBootSet         next boot: slot B (3 tries)",
            "    45   Booted               booted slot B v1.2.1",
            "",
            "NODE 127.0.9.3",
            "  error: 127.0.9.3: node unreachable: connection refused (is machined running and is the endpoint right?)",
            ""), output);
    }

    [Fact]
    public async Task Without_a_terminal_the_plain_snapshot_is_the_default_and_a_healthy_node_exits_0()
    {
        Arrange(Node1, ready: true);
        var (rc, output, _) = await Run("dashboard");
        Assert.Equal(0, rc);
        Assert.StartsWith("NODE 127.0.9.1\n  STAGE     running, ready\n", output);
        Assert.Contains("    kubelet   Running   OK\n", output);
    }
}
