using Talos.Core.Errors;
using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Locking;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

public class SequenceControllerTests
{
    private sealed class Node
    {
        public InMemoryJournal Journal { get; } = new();
        public DiskTaskCatalog Catalog { get; } = new(new Partitions.Devices.MemoryBlockDevice(DiskTaskCatalog.RequiredLength(512)));
        public SequenceController Controller { get; }
        public Node() => Controller = new SequenceController(new SequenceRunner(Catalog, Journal, TimeProvider.System),
            new SequentialIdSource("id"), TimeProvider.System, () => new StaticNodeFacts(), TimeSpan.FromSeconds(20));
    }

    /// <summary>Blocks a task until released; signals when it is reached.</summary>
    private sealed class Gate
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static Gate Block(Node n, string task)
    {
        var g = new Gate();
        n.Catalog.Before = async (ctx, ct) =>
        {
            if (ctx.Task != task) return;
            ct.Register(() => g.Cancelled.TrySetResult());
            g.Reached.TrySetResult();
            await g.Open.Task;
        };
        return g;
    }

    [Fact]
    public async Task An_operation_returns_its_ids_at_once_and_runs_in_the_background()
    {
        var n = new Node();
        var gate = Block(n, "startAllServices");
        var op = n.Controller.Start(new BootRequest());
        Assert.Equal("id-1", op.ActorId);
        Assert.Equal("id-2", op.SequenceId);
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(op.Completion.IsCompleted);
        gate.Open.SetResult();
        var report = await op.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RunResult.Completed, report.Run!.Result);
        Assert.All(n.Journal.Events, e => Assert.Equal("id-1", e.ActorId));
    }

    [Fact]
    public async Task A_refused_operation_produces_a_locked_event_and_the_running_one_is_untouched()
    {
        var n = new Node();
        var gate = Block(n, "writeInactiveSlot");
        var upgrade = n.Controller.Start(new UpgradeRequest("img:2"));
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var reboot = n.Controller.Start(new RebootRequest());
        var refused = await reboot.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(refused.Run);
        Assert.IsType<SequenceLockedException>(refused.Refusal);
        Assert.Contains(n.Journal.Events, e => e is OperationLocked { Sequence: "reboot", Running: "upgrade" } l
            && l.ActorId == reboot.ActorId && l.RunningSequenceId == upgrade.SequenceId);

        gate.Open.SetResult();
        Assert.Equal(RunResult.Reboot, (await upgrade.Completion.WaitAsync(TimeSpan.FromSeconds(10))).Run!.Result);
    }

    [Fact]
    public async Task A_reboot_preempts_boot_which_ends_canceled_at_the_next_phase_boundary()
    {
        var n = new Node();
        var gate = Block(n, "mountEphemeralPartition");
        var boot = n.Controller.Start(new BootRequest());
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var reboot = n.Controller.Start(new RebootRequest());
        // The victim's token is cancelled; it finishes its current phase, then stops.
        await gate.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.Open.SetResult();
        Assert.Equal(RunResult.Canceled, (await boot.Completion.WaitAsync(TimeSpan.FromSeconds(10))).Run!.Result);
        Assert.Equal(RunResult.Reboot, (await reboot.Completion.WaitAsync(TimeSpan.FromSeconds(10))).Run!.Result);
        var events = n.Journal.Events;
        var bootEnd = events.ToList().FindIndex(e => e is SequenceFailed { Code: FailureCode.Canceled } f && f.SequenceId == boot.SequenceId);
        var rebootStart = events.ToList().FindIndex(e => e is SequenceStarted s && s.SequenceId == reboot.SequenceId);
        Assert.True(bootEnd >= 0 && rebootStart > bootEnd, "reboot must start only after boot released the lock");
        Assert.DoesNotContain(events, e => e is PhaseStarted { Phase: "promotableVolumes" });
    }

    [Fact]
    public async Task A_synchronous_refusal_is_failed_precondition_and_records_nothing()
    {
        var n = new Node();
        var gate = Block(n, "writeBootSlot");
        var install = n.Controller.Start(new InstallRequest("/dev/sda", "img"));
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var before = n.Journal.Events.Count;
        var ex = Assert.Throws<SequenceLockedException>(() => n.Controller.StartOrRefuse(new ApplyConfigRequest(ApplyMode.NoReboot)));
        Assert.Equal(ErrorCode.FailedPrecondition, ex.Code);
        Assert.Equal(before, n.Journal.Events.Count);
        gate.Open.SetResult();
        await install.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_invalid_request_throws_before_anything_is_started_or_recorded()
    {
        var n = new Node();
        var ex = Assert.Throws<InvalidSequenceRequestException>(() =>
            n.Controller.Start(new ResetRequest(Mode: WipeMode.UserDisks, SystemLabelsToWipe: ["STATE"])));
        Assert.Equal("systemLabelsToWipe", ex.Field);
        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
        Assert.Empty(n.Journal.Events);
        Assert.Null(n.Controller.Lock.Holder);
    }
}
