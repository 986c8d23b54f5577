using Talos.Api.Events;
using Talos.Api.Machine;
using static Talos.Ctl.Tests.Commands.FakeMachineService;

namespace Talos.Ctl.Tests.Commands;

public sealed class WaitFollowsEventsThroughTheReboot : NodeCommandTestBase
{
    private const string Actor = "upgrade-7";

    private static Event OldConfirm() => Node(41, "boot-1", new NodeEvent { BootConfirmed = new BootConfirmed { Slot = Slot.A, Version = "v1.2.0" } });

    private static Event[] BeforeReboot() =>
    [
        Node(42, Actor, new NodeEvent { SequenceStarted = new SequenceStarted { Sequence = "upgrade", Request = "image=ghcr.io/siderolabs/installer:v1.2.1" } }),
        Node(43, Actor, new NodeEvent { PhaseStarted = new PhaseStarted { Sequence = "upgrade", Phase = "install", Index = 2, Count = 4 } }),
        Node(44, Actor, new NodeEvent { TaskStarted = new TaskStarted { Sequence = "upgrade", Phase = "install", Task = "writeImage" } }),
        Node(45, Actor, new NodeEvent { ImageWrittenToSlot = new ImageWrittenToSlot { Slot = Slot.B, ImageRef = "ghcr.io/siderolabs/installer:v1.2.1", Digest = "9f2c4e1ab3d5e6f708192a3b4c5d6e7f", Size = 4096, Version = "v1.2.1" } }),
        Node(46, Actor, new NodeEvent { TrialBootSet = new TrialBootSet { Slot = Slot.B, Tries = 3 } }),
    ];

    private static Event[] AfterReboot(Event last) =>
    [
        Node(47, "boot-2", new NodeEvent { BootAttempted = new BootAttempted { Slot = Slot.B, Trial = true, TriesLeft = 2 } }),
        Node(48, "boot-2", new NodeEvent { Booted = new Booted { Slot = Slot.B, Version = "v1.2.1" } }),
        Upstream(49, "boot-2", new ServiceStateEvent { Service = "etcd", Action = ServiceStateEvent.Types.Action.Running, Message = "Health check successful" }),
        last,
    ];

    [Fact]
    public async Task Upgrade_wait_reconnects_with_the_last_id_and_exits_0_when_the_new_slot_is_confirmed()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(BeforeReboot(), Drop: true));
        Node1.Machine.EventStreams.Enqueue(new EventScript(AfterReboot(Node(50, "boot-2", new NodeEvent { BootConfirmed = new BootConfirmed { Slot = Slot.B, Version = "v1.2.1" } }))));

        var (rc, output, err) = await Run("upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--wait");

        Assert.Equal("", err);
        Assert.Equal(0, rc);
        // The probe's event (the previous boot's confirmation) is the starting point, not progress: it is not shown.
        Assert.Equal(Lines(
            "upgrade started image=ghcr.io/siderolabs/installer:v1.2.1",
            "phase install (2/4)",
            "slot B <- ghcr.io/siderolabs/installer:v1.2.1 (v1.2.1, sha256:9f2c4e1ab3d5)",
            "next boot: slot B (3 tries)",
            "connection lost (the node is rebooting?); reconnecting",
            "reconnected",
            "boot slot B (trial, 2 tries left)",
            "booted slot B v1.2.1",
            "etcd: Running: Health check successful",
            "slot B confirmed (v1.2.1)",
            "127.0.9.1: upgrade confirmed: slot B runs v1.2.1"), output);
        var requests = Node1.Machine.EventRequests.ToArray();
        Assert.Equal(1, requests[0].TailEvents);      // the starting point, read before the Upgrade call
        Assert.Equal("41", requests[1].TailId);       // everything after it
        Assert.Equal("46", requests[2].TailId);       // after the drop: resume after the last event seen
        Assert.Equal("ghcr.io/siderolabs/installer:v1.2.1", Assert.IsType<UpgradeRequest>(Assert.Single(Node1.Machine.Requests)).Image);
    }

    [Fact]
    public async Task On_a_terminal_the_live_table_shows_the_phase_and_the_result_line_follows()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript([.. BeforeReboot(), .. AfterReboot(Node(50, "boot-2", new NodeEvent { BootConfirmed = new BootConfirmed { Slot = Slot.B, Version = "v1.2.1" } }))]));

        var (rc, output, err) = await Run(interactive: true, "upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--wait");

        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.Contains("LAST EVENT", output);                      // the live table was drawn
        Assert.Contains("upgrade: install (2/4)", output);         // with the phase column
        Assert.DoesNotContain("connection lost", output);
        Assert.EndsWith("127.0.9.1: upgrade confirmed: slot B runs v1.2.1\n", output);
    }

    [Fact]
    public async Task Upgrade_wait_exits_1_with_the_recorded_reason_and_evidence_when_the_node_rolls_back()
    {
        var rolledBack = Node(50, "boot-2", new NodeEvent
        {
            RolledBack = new RolledBack
            {
                From = Slot.B, To = Slot.A, Reason = RollbackReason.HealthCheckFailed, Detail = "etcd did not become healthy",
                FailedChecks = { "etcd", "kubelet" }, TriesUsed = 1,
            },
        });
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript([.. BeforeReboot(), .. AfterReboot(rolledBack)]));

        var (rc, output, err) = await Run("upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--wait");

        Assert.Equal(1, rc);
        Assert.EndsWith("rolled back B -> A: HealthCheckFailed: etcd did not become healthy (failed checks: etcd, kubelet) after 1 tries\n", output);
        Assert.Equal("error: 127.0.9.1: upgrade failed: rolled back B -> A: HealthCheckFailed: etcd did not become healthy (failed checks: etcd, kubelet) after 1 tries\n", err);
    }

    [Fact]
    public async Task Upgrade_wait_reports_a_failed_upgrade_sequence_of_its_own_actor()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(
        [
            Node(42, "other-op", new NodeEvent { SequenceFailed = new SequenceFailed { Sequence = "reboot", Message = "not ours" } }),
            Node(43, Actor, new NodeEvent { SequenceFailed = new SequenceFailed { Sequence = "upgrade", Code = FailureCode.Fatal, Message = "image digest mismatch: pull the image again" } }),
        ]));

        var (rc, _, err) = await Run("upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--wait");

        Assert.Equal(1, rc);
        Assert.Equal("error: 127.0.9.1: upgrade failed: image digest mismatch: pull the image again\n", err);
    }

    [Fact]
    public async Task Upgrade_wait_gives_up_after_the_timeout_naming_the_last_event()
    {
        Clock = new SteppingTime(Now, TimeSpan.FromMinutes(4));   // every reading of the clock is four minutes later
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(BeforeReboot(), Drop: true));
        // Every later connection attempt fails (no more scripts: Unavailable), as a node that never comes back.

        var (rc, _, err) = await Run("upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1", "--wait", "--timeout", "10m");

        Assert.Equal(1, rc);
        Assert.Equal("error: 127.0.9.1: timed out after 10m0s waiting for the operation (last event id 46); check \"talosctl events\"\n", err);
    }

    private sealed class SteppingTime(DateTimeOffset start, TimeSpan step) : TimeProvider
    {
        private long _reads;
        public override DateTimeOffset GetUtcNow() => start + step * Interlocked.Increment(ref _reads);
    }

    [Fact]
    public async Task Reset_wait_without_preserve_ends_when_the_node_drops_into_maintenance_mode()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(
            [Node(42, "reset-3", new NodeEvent { NodeReset = new NodeReset { LabelsWiped = { "EPHEMERAL", "STATE" }, Graceful = true } })], Drop: true));

        var (rc, output, _) = await Run("reset", "--reboot", "--wait");

        Assert.Equal(0, rc);
        Assert.Equal(Lines(
            "reset: wiped [EPHEMERAL STATE]",
            "127.0.9.1: reset done: reset: wiped [EPHEMERAL STATE]; the node reboots into maintenance mode (talk to it with --insecure)"), output);
        Assert.Equal(2, Node1.Machine.EventRequests.Count);   // no reconnect attempt after the expected drop
    }

    [Fact]
    public async Task Reset_wait_into_the_confirmed_slot_ends_when_the_boot_sequence_is_done_not_at_booted()
    {
        // Issue #12: ending at Booted let the next command find the node still Booting.
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(
        [
            Node(42, "reset-3", new NodeEvent { NodeReset = new NodeReset { LabelsWiped = { "EPHEMERAL" }, Preserve = true, Graceful = true } }),
        ], Drop: true));
        Node1.Machine.EventStreams.Enqueue(new EventScript(
        [
            Node(43, "boot-4", new NodeEvent { Booted = new Booted { Slot = Slot.A, Version = "v1.2.0" } }),
            Upstream(44, "boot-4", new SequenceEvent { Sequence = "boot", Action = SequenceEvent.Types.Action.Start }),
            Upstream(45, "boot-4", new SequenceEvent { Sequence = "install", Action = SequenceEvent.Types.Action.Stop }),
        ], Drop: true));
        Node1.Machine.EventStreams.Enqueue(new EventScript([Upstream(46, "boot-4", new SequenceEvent { Sequence = "boot", Action = SequenceEvent.Types.Action.Stop })]));

        var (rc, output, err) = await Run("reset", "--preserve", "--reboot", "--wait");

        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.EndsWith("127.0.9.1: reset done: reset: wiped [EPHEMERAL], STATE preserved; node booted slot A\n", output);
        Assert.Equal(4, Node1.Machine.EventRequests.Count);   // it followed past Booted (and the drop) to the boot sequence's end
    }

    [Fact]
    public async Task Reset_wait_with_reboot_ends_when_the_node_comes_back_in_maintenance_mode()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript([OldConfirm()]));
        Node1.Machine.EventStreams.Enqueue(new EventScript(
        [
            Node(42, "reset-3", new NodeEvent { PartitionWiped = new PartitionWiped { Label = "EPHEMERAL", Bytes = 1 << 20 } }),
            Node(43, "reset-3", new NodeEvent { NodeReset = new NodeReset { LabelsWiped = { "EPHEMERAL" }, Preserve = true, Graceful = true } }),
        ], Drop: true));
        Node1.Machine.EventStreams.Enqueue(new EventScript([Node(44, "boot-3", new NodeEvent { BootConfirmed = new BootConfirmed { Slot = Slot.A, Version = "v1.2.0" } })]));

        var (rc, output, err) = await Run("reset", "--preserve", "--reboot", "--wait");

        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.EndsWith("127.0.9.1: reset done: reset: wiped [EPHEMERAL], STATE preserved; node booted slot A\n", output);
        var request = Assert.IsType<ResetRequest>(Assert.Single(Node1.Machine.Requests));
        Assert.Equal(new[] { "EPHEMERAL" }, request.SystemPartitionsToWipe.Select(p => p.Label));
        Assert.True(request.Reboot);
        Assert.True(request.Graceful);
    }
}
