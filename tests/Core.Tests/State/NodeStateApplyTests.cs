using Google.Protobuf;
using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.State;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.State;

public sealed class NodeStateApplyTests
{
    [Fact]
    public void Install_then_confirmed_boot_gives_an_installed_node_on_a_confirmed_slot()
    {
        var ev = new Ev();
        var s = NodeState.Replay([
            ev.Written(Slot.A, 'a'), ev.Trial(Slot.A, 3), ev.Attempt(Slot.A, true, 2), ev.Booted(Slot.A, 'a'), ev.Confirmed(Slot.A)]);
        Assert.True(s.Installed);
        Assert.False(s.InMaintenance);
        Assert.Equal(Slot.A, s.BootedSlot);
        Assert.Equal(new SlotState(Ev.Digest('a'), "v1.0.0", "img:v1.0.0", 4096, 2, 0, true), s.SlotA);
        Assert.Equal(1ul, s.Counters.Boots);
        Assert.Empty(s.Anomalies);
    }

    [Fact]
    public void Upgrade_trial_that_exhausts_its_tries_and_rolls_back_marks_the_slot_unbootable()
    {
        var ev = new Ev();
        var s = NodeState.Replay([
            ev.Written(Slot.A, 'a'), ev.Trial(Slot.A, 3), ev.Attempt(Slot.A, true, 2), ev.Booted(Slot.A, 'a'), ev.Confirmed(Slot.A),
            ev.Written(Slot.B, 'b', "v1.1.0"), ev.Trial(Slot.B, 2),
            ev.Attempt(Slot.B, true, 1), ev.Attempt(Slot.B, true, 0),
            ev.RolledBack(Slot.B, Slot.A, RollbackReason.TriesExhausted)]);
        Assert.Equal(1ul, s.Counters.Upgrades);
        Assert.Equal(1ul, s.Counters.Rollbacks);
        Assert.Equal(0u, s.SlotB.Priority);
        Assert.Equal(2u, s.SlotA.Priority);
        Assert.True(s.SlotA.Successful);
        Assert.Contains("TriesExhausted", s.LastError);
        Assert.Empty(s.Anomalies);
    }

    [Fact]
    public void Maintenance_of_a_booted_slot_keeps_it_and_the_next_config_leaves_maintenance()
    {
        var ev = new Ev();
        var booted = NodeState.Replay([ev.Written(Slot.A, 'a'), ev.Trial(Slot.A, 3), ev.Attempt(Slot.A, true, 2), ev.Booted(Slot.A, 'a'), ev.Confirmed(Slot.A)]);
        var waiting = NodeState.Apply(booted, ev.Make(x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "no machine config on STATE", Slot = Slot.A }));
        Assert.True(waiting.InMaintenance);
        Assert.Equal((Slot.A, "v"), (waiting.BootedSlot, waiting.BootedVersion));
        Assert.Empty(waiting.Anomalies);
        var staged = NodeState.Apply(waiting, ev.Make(x => x.ConfigApplied = new ConfigApplied { Mode = ApplyMode.Staged, Digest = "d1" }));
        Assert.True(staged.InMaintenance);   // a staged config waits for a reboot
        var running = NodeState.Apply(waiting, ev.Make(x => x.ConfigApplied = new ConfigApplied { Mode = ApplyMode.NoReboot, Digest = "d1" }));
        Assert.False(running.InMaintenance);
        // From the boot loader (no slot): nothing booted. A slot other than the booted one is an anomaly.
        var loader = NodeState.Apply(booted, ev.Make(x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "no bootable slot" }));
        Assert.Equal((true, Slot.Unspecified), (loader.InMaintenance, loader.BootedSlot));
        var wrong = NodeState.Apply(booted, ev.Make(x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "r", Slot = Slot.B }));
        Assert.Contains(wrong.Anomalies, a => a.Message.Contains("maintenance mode on slot B but the node booted A"));
    }

    [Fact]
    public void Misfits_become_anomalies_and_never_throw()
    {
        var ev = new Ev();
        var s = NodeState.Replay([
            ev.Attempt(Slot.B, false, 0),           // nothing written to B
            ev.Booted(Slot.A, 'z'),                 // not attempted, digest not recorded
            ev.TaskDone("upgrade"),                 // no running sequence
            ev.MetaSet(0x1ff, "x")]);               // key out of range
        Assert.Equal(5ul, s.AnomalyCount);
        Assert.Contains(s.Anomalies, a => a.Message.Contains("unbootable slot B"));
        Assert.Contains(s.Anomalies, a => a.Message.Contains("measured"));
        Assert.Contains(s.Anomalies, a => a.Message.Contains("out of range"));
        Assert.Empty(s.Meta);
    }

    [Fact]
    public void Duplicate_sequence_number_is_ignored_with_an_anomaly()
    {
        var ev = new Ev();
        var first = ev.MetaSet(6, "A");
        var dup = first.Clone();
        dup.MetaKeySet.Value = ByteString.CopyFromUtf8("B");
        var s = NodeState.Replay([first, dup]);
        Assert.Equal("A", s.Meta[6].ToStringUtf8());
        Assert.Single(s.Anomalies);
        Assert.Equal(1ul, s.LastSequence);
    }

    [Fact]
    public void Write_ahead_steps_stay_open_until_completed_and_concurrent_tasks_are_tracked()
    {
        var ev = new Ev();
        var s = NodeState.Replay([ev.SeqStart("upgrade"), ev.TaskStart("upgrade"), ev.TaskStart("kexecPrepare"), ev.TaskDone("upgrade")]);
        Assert.Equal(["kexecPrepare"], s.Running!.OpenTasks);
        s = NodeState.Replay(s, [ev.TaskDone("kexecPrepare"), ev.SeqDone("upgrade")]);
        Assert.Null(s.Running);
        Assert.Empty(s.Anomalies);
    }

    [Fact]
    public void Try_mode_config_is_reverted_to_the_previous_digest()
    {
        var ev = new Ev();
        var s = NodeState.Replay([
            ev.Make(e => e.ConfigApplied = new ConfigApplied { Mode = ApplyMode.Auto, Digest = "d1" }),
            ev.Make(e => e.ConfigApplied = new ConfigApplied { Mode = ApplyMode.Try, Digest = "d2" })]);
        Assert.Equal(("d2", "d1"), (s.ConfigDigest, s.TryPreviousConfigDigest));
        s = NodeState.Apply(s, ev.Make(e => e.ConfigTryReverted = new ConfigTryReverted { RevertedDigest = "d2", RestoredDigest = "d1" }));
        Assert.Equal(("d1", ""), (s.ConfigDigest, s.TryPreviousConfigDigest));
        Assert.Empty(s.Anomalies);
    }

    [Fact]
    public void Reset_with_preserve_keeps_the_config_and_full_reset_removes_it()
    {
        var ev = new Ev();
        var applied = NodeState.Replay([ev.Make(e => e.ConfigApplied = new ConfigApplied { Digest = "d1" }), ev.Make(e => e.BootstrapDone = new())]);
        var preserved = NodeState.Apply(applied, ev.Make(e => e.NodeReset = new NodeReset { Preserve = true, LabelsWiped = { "EPHEMERAL" } }));
        Assert.Equal("d1", preserved.ConfigDigest);
        Assert.False(preserved.Bootstrapped);
        var full = NodeState.Apply(preserved, ev.Make(e => e.NodeReset = new NodeReset()));
        Assert.Equal("", full.ConfigDigest);
        Assert.Equal(2ul, full.Counters.Resets);
    }

    [Fact]
    public void Snapshot_golden_bytes_of_the_initial_state()
    {
        // format=1, in_maintenance=true, empty slot_a/slot_b/running/counters sub-messages (always present).
        Assert.Equal("080120012a0032006200aa0100", Convert.ToHexStringLower(NodeState.Initial.ToSnapshot()));
        Assert.Equal("29aad9c761ad18c7454005a8c13f3b8c553505cb4de9862612fb863d2c24016d", NodeState.Initial.Hash);
    }

    [Fact]
    public void Non_canonical_or_garbage_snapshots_are_rejected()
    {
        Assert.Throws<SnapshotDecodeException>(() => NodeState.FromSnapshot([0xff, 0xff, 0xff]));
        Assert.Throws<SnapshotDecodeException>(() => NodeState.FromSnapshot([]));          // format 0
        var ok = NodeState.Initial.ToSnapshot();
        Assert.Throws<SnapshotDecodeException>(() => NodeState.FromSnapshot([.. ok, 0x08, 0x05])); // repeated field 1
    }
}

public sealed class CheckpointAndFactoryTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void A_forced_drop_of_unmirrored_records_is_reported_in_last_error_without_an_anomaly()
    {
        var ev = new Ev();
        var s = NodeState.Apply(NodeState.Replay([]), ev.Make(e => e.RecordsDropped = new RecordsDropped { FromSequence = 3, ToSequence = 9, Reason = "forced checkpoint" }));
        Assert.Equal("META records 3..9 dropped before the fleet store acknowledged them: forced checkpoint", s.LastError);
        Assert.Empty(s.Anomalies);
        Assert.Equal(1ul, s.LastSequence);
    }

    [Fact]
    public void Checkpoint_with_a_wrong_hash_is_an_anomaly_and_a_right_one_is_not()
    {
        var ev = new Ev();
        var s = NodeState.Replay([ev.MetaSet(6, "A")]);
        var good = NodeState.Apply(s, ev.Make(e => e.Checkpoint = new Checkpoint { UpToSequence = 1, StateHash = s.Hash }));
        Assert.Empty(good.Anomalies);
        Assert.Equal(1ul, good.LastCheckpoint);
        var bad = NodeState.Apply(good, ev.Make(e => e.Checkpoint = new Checkpoint { UpToSequence = 2, StateHash = new string('0', 64) }));
        Assert.Contains("checkpoint at 2", Assert.Single(bad.Anomalies).Message);
    }

    [Fact]
    public void Factory_stamps_time_from_the_injected_clock()
    {
        var e = Talos.Core.Events.NodeEvents.Create(7, new FixedClock(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)), "a", "s",
            x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "r" });
        Assert.Equal((7ul, "a", "s"), (e.Sequence, e.ActorId, e.SequenceId));
        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), e.Time.ToDateTime());
        Assert.Throws<ArgumentException>(() => Talos.Core.Events.NodeEvents.Create(1, TimeProvider.System, "", "", _ => { }));
    }
}

public sealed class SnapshotLimitTests
{
    [Fact]
    public void Snapshot_with_too_many_anomalies_is_rejected_and_fold_keeps_only_the_last_32()
    {
        var ev = new Ev();
        var s = NodeState.Replay(Enumerable.Range(0, 40).Select(_ => ev.TaskDone("x")));
        Assert.Equal((40ul, NodeState.MaxAnomalies), (s.AnomalyCount, s.Anomalies.Count));
        Assert.Equal(9ul, s.Anomalies[0].Sequence);
        var m = Talos.Api.State.NodeStateSnapshot.Parser.ParseFrom(s.ToSnapshot());
        m.Anomalies.Add(new Talos.Api.State.AnomalySnapshot { Sequence = 99, Message = "extra" });
        Assert.Contains("at most 32", Assert.Throws<SnapshotDecodeException>(() => NodeState.FromSnapshot(Google.Protobuf.MessageExtensions.ToByteArray(m))).Reason);
    }
}
