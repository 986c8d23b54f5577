using MaintenanceEntered = Talos.Api.Events.MaintenanceEntered;
using NodeEvent = Talos.Api.Events.NodeEvent;
using ApplyMode = Talos.Api.Events.ApplyMode;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Running;

namespace Talos.Machined.Tests.Runtime;

/// <summary>
/// Power-on folds the META log once and crash recovery reads what that fold kept (issue #11): the recovery of an
/// interrupted sequence is the same as over a full re-read of the log.
/// </summary>
public sealed class PowerOnDecodesTheLogOnce
{
    private static readonly TimeProvider Clock = TimeProvider.System;

    /// <summary>x-1 was cut by power loss but overtaken by x-2, which ended: the fold thinks nothing runs, recovery must not.</summary>
    private static readonly JournalEvent[] Overlapping =
    [
        new SequenceStarted("x-0", "op-x0", "reboot", "mode=Default"),
        new SequenceCompleted("x-0", "op-x0", "reboot"),
        new SequenceStarted("x-1", "op-x1", "reboot", "mode=bogus"),
        new PhaseStarted("x-1", "op-x1", "reboot", "drain", 0, 2),
        new TaskStarted("x-1", "op-x1", "reboot", "drain", "x-unknown-task"),
        new SequenceStarted("x-2", "op-x2", "reboot", "mode=bogus"),
        new SequenceCompleted("x-2", "op-x2", "reboot"),
    ];

    private static async Task AppendAsync(MetaLog log, IEnumerable<JournalEvent> events)
    {
        var journal = new NodeEventJournal(new MetaLogEventSink(log), Clock);
        foreach (var e in events) await journal.AppendAsync(e, default);
    }

    private static IReadOnlyList<JournalEvent> Mapped(IEnumerable<NodeEvent> events) =>
        events.Select(NodeEventMapping.FromNodeEvent).OfType<JournalEvent>().ToArray();

    [Fact]
    public async Task The_attach_fold_keeps_what_recovery_needs_once_and_only_while_the_log_stands_still()
    {
        using var log = MetaLog.Open(new MemoryBlockDevice(1 << 20), new MetaLogOptions(), Clock);
        await AppendAsync(log, Overlapping);
        var journal = new NodeJournal(Clock);
        await journal.AttachAsync(log, default);

        var full = Mapped(journal.ReadAll());
        Assert.True(journal.TryTakeRecoveryEvents(out var kept));
        Assert.Equal(Overlapping[2..5], kept);
        Assert.Equal(InterruptedScan.Filter(full), kept);
        Assert.False(journal.TryTakeRecoveryEvents(out _)); // handed over once

        // After the log moves, recovery falls back to reading the whole log.
        await journal.AttachAsync(log, default);
        await journal.AppendAsync("", "", e => e.MaintenanceEntered = new MaintenanceEntered { Reason = "moved" }, default);
        Assert.False(journal.TryTakeRecoveryEvents(out _));
        var viaJournal = await new NodeEventJournal(journal, Clock).ReadForRecoveryAsync(default);
        Assert.Equal(Mapped(journal.ReadAll()), viaJournal);
    }

    [Fact]
    public async Task A_node_powered_on_over_an_interrupted_sequence_recovers_it_as_a_full_read_would()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = f.NewNode();
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(RuntimeFixture.Config(), ApplyMode.Auto, dryRun: false, default);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotA.Successful);
        await node.DisposeAsync();

        // Power is off: the log gains a sequence cut mid-task, hidden behind a later run that ended.
        IReadOnlyList<InterruptedSequence> expected;
        ulong before;
        using (var log = new NodeDisk(f.Disk, "test.img").OpenMeta(Guid.Empty, Clock, null))
        {
            await AppendAsync(log, Overlapping);
            expected = JournalAnalysis.FindInterrupted(Mapped(new MetaLogEventSink(log).ReadAll()));
            before = log.LastSequence;
        }
        Assert.Equal(["x-1"], expected.Select(s => s.SequenceId));
        Assert.Equal(["x-unknown-task"], expected[0].OpenTasks.Select(t => t.Task));

        var again = f.NewNode();
        await again.PowerOnAsync();
        await WaitFor(again, n => n.Stage == NodeStage.Running);
        // Unknown request and an untrusted open task: the step is closed and the run abandoned, nothing else.
        var recovery = Mapped(again.Journal.ReadAll().Where(e => e.Sequence > before)).Where(e => e.SequenceId == "x-1").ToList();
        Assert.Equal(
        [
            new TaskFailed("x-1", "op-x1", "reboot", "drain", "x-unknown-task", FailureCode.Canceled, "abandoned: interrupted by power loss"),
            new SequenceAbandoned("x-1", "op-x1", "reboot", "interrupted by power loss; request unknown, not resumable"),
        ], recovery);
        Assert.Contains(again.Kernel.Ring.Tail(-1), l => l.Contains("recovered interrupted sequence x-1: Abandoned"));
        Assert.Empty(JournalAnalysis.FindInterrupted(Mapped(again.Journal.ReadAll())));
        using (var log = MetaLog.OpenReadOnly(new NodeDisk(f.Disk, "test.img").Partition("META")))
            Assert.Equal(again.State.Hash, NodeJournal.Fold(log).Hash);
        await again.DisposeAsync();
    }

    private static async Task WaitFor(NodeRuntime node, Func<NodeRuntime, bool> done)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(node))
        {
            if (cts.IsCancellationRequested)
                Assert.Fail($"timed out; stage {node.Stage}, last error \"{node.State.LastError}\"\n" + string.Join("\n", node.Kernel.Ring.Tail(30)));
            await Task.Delay(20);
        }
    }
}
