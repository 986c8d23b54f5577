using FsCheck;
using FsCheck.Xunit;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

/// <summary>
/// The streaming filter recovery reads at boot (<see cref="InterruptedScan"/>) finds exactly the interrupted runs
/// that <see cref="JournalAnalysis.FindInterrupted"/> finds over the whole log, including histories the runner never
/// writes: overlapping runs, reused run ids, runs whose SequenceStarted was compacted away, refusals, stray ends.
/// </summary>
public class InterruptedScanProperties
{
    private static readonly string[] Ids = ["seq-1", "seq-2", "seq-3"];
    private static readonly string[] Phases = ["install", "reboot"];
    private static readonly string[] Tasks = ["a", "b", "c"];

    [Property(MaxTest = 500)]
    public bool Filtered_journal_gives_the_same_interrupted_runs(NonNegativeInt[] codes)
    {
        var events = codes.Select(c => EventOf(c.Get)).ToList();
        var full = JournalAnalysis.FindInterrupted(events);
        var kept = InterruptedScan.Filter(events);
        var viaScan = JournalAnalysis.FindInterrupted(kept);
        Assert.Equal(full.Select(Describe), viaScan.Select(Describe));
        // Only what recovery needs is kept: the events of the reported runs, no others.
        Assert.Equal(full.Select(s => s.SequenceId), kept.Select(e => e.SequenceId).Distinct());
        Assert.Equal(events.Count(e => full.Any(s => s.SequenceId == e.SequenceId) && e is not OperationLocked), kept.Count);
        return true;
    }

    [Fact]
    public void Runs_the_fold_no_longer_sees_as_running_are_still_found()
    {
        // seq-1 is overtaken by seq-2 (the fold's single Running slot moves on), then seq-2 ends: seq-1 stays open.
        JournalEvent[] events =
        [
            new SequenceStarted("seq-1", "op-1", "install", "install"),
            new TaskStarted("seq-1", "op-1", "install", "install", "a"),
            new SequenceStarted("seq-2", "op-2", "reboot", "reboot"),
            new SequenceCompleted("seq-2", "op-2", "reboot"),
            new OperationLocked("seq-3", "op-3", "reset", "install", "seq-1"),
            new TaskCompleted("seq-4", "op-4", "install", "install", "a"), // its start was compacted away
            new SequenceStarted("seq-4", "op-4", "install", "install"),
        ];
        var kept = InterruptedScan.Filter(events);
        Assert.Equal([events[0], events[1]], kept);
        Assert.Equal(["seq-1"], JournalAnalysis.FindInterrupted(kept).Select(s => s.SequenceId));
    }

    [Fact]
    public async Task A_real_run_cut_by_power_loss_is_filtered_to_its_own_events()
    {
        var h = new Harness();
        await h.RunAsync(RequestVariants.All[0].Request); // a finished run before
        h.Power.ArmAt(6);
        await Harness.SurvivesAsync(() => h.RunAsync(RequestVariants.All[0].Request, "seq-2"));
        var all = h.Journal.Events;
        var kept = InterruptedScan.Filter(all);
        var open = Assert.Single(JournalAnalysis.FindInterrupted(all));
        Assert.Equal(Describe(open), Describe(Assert.Single(JournalAnalysis.FindInterrupted(kept))));
        Assert.All(kept, e => Assert.Equal(open.SequenceId, e.SequenceId));
        Assert.True(kept.Count < all.Count);
    }

    private static JournalEvent EventOf(int code)
    {
        var id = Ids[code / 13 % Ids.Length];
        var phase = Phases[code / 39 % Phases.Length];
        var task = Tasks[code / 78 % Tasks.Length];
        var actor = "op-" + id;
        return (code % 13) switch
        {
            0 or 1 => new SequenceStarted(id, actor, "install", "install --image x:" + code / 234 % 2),
            2 => new SequenceCompleted(id, actor, "install"),
            3 => new SequenceFailed(id, actor, "install", FailureCode.Fatal, "boom"),
            4 => new SequenceAbandoned(id, actor, "install", "power loss"),
            5 => new PhaseStarted(id, actor, "install", phase, 0, 2),
            6 => new PhaseCompleted(id, actor, "install", phase),
            7 => new PhaseFailed(id, actor, "install", phase, FailureCode.Fatal, "boom"),
            8 or 9 => new TaskStarted(id, actor, "install", phase, task),
            10 => new TaskCompleted(id, actor, "install", phase, task),
            11 => (code / 234 % 3) switch
            {
                0 => (JournalEvent)new TaskFailed(id, actor, "install", phase, task, FailureCode.Canceled, "abandoned"),
                1 => new StepCompensated(id, actor, "install", phase, task, "undo"),
                _ => new SequenceResumed(id, actor, "install", phase, task, code / 702 % 4 + 1),
            },
            _ => new OperationLocked(id, actor, "reset", "install", Ids[0]),
        };
    }

    private static string Describe(InterruptedSequence s) =>
        $"{s.SequenceId}|{s.ActorId}|{s.Sequence}|{s.Request}|{string.Join(",", s.OpenTasks)}|{s.CurrentPhase}|{s.LastCompletedPhase}|" +
        $"{string.Join(",", s.CompletedInCurrentPhase.Order(StringComparer.Ordinal))}|{s.PhaseFailure}";
}
