using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using Talos.Sequencer.Model;
using Talos.Sequencer.Running;
using static Talos.Machined.Tests.Api.UpgradesAreValidatedBeforeAnythingStops;
using UpgradeRequest = Talos.Api.Machine.UpgradeRequest;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue 20.1, over the real API: an operation that fails after it stopped the services but before its point of no
/// return brings the node back to Running on its confirmed slot by itself (SequenceRestored says what failed); one
/// that fails after it finishes with a reboot, never a half-stopped node. Failures are injected where a task would
/// throw (<see cref="NodeRuntimeOptions.TaskFault"/>); everything else is the real node.
/// </summary>
public sealed class FailedOperationsLeaveTheNodeRunning
{
    /// <summary>What undoes the stop tasks of an upgrade or reset (the last stop first, services last).</summary>
    private static readonly string[] UndoOfAFullStop = ["mountEphemeralPartition", "mountPromotableSystemPartitions", "startDbus", "startAllServices"];

    private static Func<TaskContext, Exception?> FailAt(string sequence, string task) =>
        c => c.Sequence.Wire() == sequence && c.Task == task && c.Phase != SequenceRunner.RestorePhase
            ? new IOException($"injected failure in {task}") : null;

    [Fact]
    public async Task An_upgrade_that_fails_after_stopping_services_restarts_them_on_the_confirmed_slot_and_records_why()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.32.1", seed: 321, taskFault: FailAt("upgrade", "verifyInactiveSlot"));
        await h.InstallAsync();
        var running = RunningServices(h.Node.Services);
        using var admin = h.As(Roles.Admin);
        var actor = (await new MachineService.MachineServiceClient(admin).UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true })).Messages[0].ActorId;

        var restored = await RestoredAsync(h, actor);
        Assert.Equal("verify", restored.Phase);
        Assert.Equal("verifyInactiveSlot", restored.Task);
        Assert.Contains("injected failure in verifyInactiveSlot", restored.Message);
        Assert.Equal(UndoOfAFullStop, restored.Restarted);
        Assert.Equal(running, RunningServices(h.Node.Services));
        Assert.Equal(Slot.A, h.Node.State.BootedSlot);
        Assert.True(h.Node.State.SlotA.Successful);
        Assert.False(h.Node.State.SlotB.IsTrial);   // never marked: the point of no return was not reached
    }

    [Fact]
    public async Task A_reset_that_fails_before_wiping_restarts_the_services_and_keeps_the_config()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.32.2", seed: 322, taskFault: FailAt("reset", "forceCleanup"));
        await h.InstallAsync();
        var running = RunningServices(h.Node.Services);
        var config = h.Node.Config!.Digest;
        using var admin = h.As(Roles.Admin);
        var actor = (await new MachineService.MachineServiceClient(admin).ResetAsync(new ResetRequest { Graceful = false, Reboot = true })).Messages[0].ActorId;

        var restored = await RestoredAsync(h, actor);
        Assert.Equal("forceCleanup", restored.Task);
        Assert.Equal(UndoOfAFullStop, restored.Restarted);
        Assert.Equal(running, RunningServices(h.Node.Services));
        Assert.Equal(config, h.Node.Config?.Digest);
        Assert.DoesNotContain(h.Node.Journal.ReadAll(), e => e.PartitionWiped is not null || e.NodeReset is not null);
        Assert.Equal(0UL, h.Node.State.Counters.Resets);
    }

    [Fact]
    public async Task A_rollback_that_fails_after_reverting_the_boot_default_reboots_into_the_rollback_target()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.32.3", seed: 323, taskFault: FailAt("rollback", "unmountEphemeralPartition"));
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        await m.UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true });
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.BootedSlot == Slot.B && h.Node.State.SlotB.Successful, "the upgrade to B");
        var boots = h.Node.Journal.ReadAll().Count(e => e.Booted is not null);

        await m.RollbackAsync(new RollbackRequest());
        await h.WaitForAsync(() => h.Node.Journal.ReadAll().Count(e => e.Booted is not null) > boots && h.Node.Stage == NodeStage.Running,
            "the failed rollback to reboot the node");
        Assert.Contains(h.Node.Journal.ReadAll(), e => e.SequenceFailed?.Sequence == "rollback");
        Assert.Equal(Slot.A, h.Node.State.BootedSlot);
        Assert.True(h.Node.State.SlotA.Successful);
        Assert.NotEmpty(RunningServices(h.Node.Services));
        Assert.DoesNotContain(h.Node.Journal.ReadAll(), e => e.SequenceRestored is not null);   // past its point of no return: no restore
    }

    /// <summary>Waits for the operation's SequenceFailed, then checks the node is Running again and returns its SequenceRestored.</summary>
    internal static async Task<SequenceRestored> RestoredAsync(NodeApiHarness h, string actor)
    {
        await h.WaitForAsync(() => h.Node.Journal.ReadAll().Any(e => e.ActorId == actor && e.SequenceFailed is not null)
                                   && h.Node.Stage == NodeStage.Running && h.Node.Controller.Lock.Holder is null, "the failed operation to end with the node running");
        var mine = h.Node.Journal.ReadAll().Where(e => e.ActorId == actor).ToList();
        var restored = Assert.Single(mine, e => e.SequenceRestored is not null);
        // Recorded after the services were started again under the operation, and before the run's terminal SequenceFailed.
        Assert.NotNull(mine[^1].SequenceFailed);
        var restartedAt = mine.FindLastIndex(e => e.ServiceStateChanged is { State: ServiceState.Running });
        Assert.True(restartedAt >= 0 && restartedAt < mine.FindIndex(e => e.SequenceRestored is not null), "the services were not restarted under the operation before SequenceRestored");
        return restored.SequenceRestored;
    }
}
