using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Tests.Support;

/// <summary>
/// The consistency invariants after recovery (issue 6), checked from the journal and the disk:
/// J1 no sequence is open and each has exactly one terminal event, its last;
/// J2 every sequence begins with SequenceStarted;
/// J3 no task is left open (its last record is completed, failed or compensated);
/// J4 write-ahead: a disk region holds data only if its task's TaskStarted is durable;
/// J5 a task whose last record is TaskCompleted has its full effect on disk (re-run tasks complete);
/// J6 a compensated task's effect is undone (region zero);
/// J7 no region is torn;
/// J8 every SequenceResumed is followed by an end of the resumed task.
/// </summary>
public static class JournalInvariants
{
    public static void Check(IReadOnlyList<JournalEvent> events, DiskTaskCatalog disk)
    {
        Assert.Empty(JournalAnalysis.FindInterrupted(events)); // J1 (open part)
        foreach (var group in events.Where(e => e is not OperationLocked).GroupBy(e => e.SequenceId))
        {
            var list = group.ToList();
            Assert.IsType<SequenceStarted>(list[0]); // J2
            Assert.Single(list, JournalAnalysis.IsTerminal); // J1
            Assert.True(JournalAnalysis.IsTerminal(list[^1]), $"terminal event of {group.Key} is not its last");
            var last = new Dictionary<string, JournalEvent>();
            for (var i = 0; i < list.Count; i++)
            {
                switch (list[i])
                {
                    case TaskStarted t: last[t.Task] = t; break;
                    case TaskCompleted t:
                        Assert.True(last.TryGetValue(t.Task, out var prev) && prev is TaskStarted, $"TaskCompleted {t.Task} without an open TaskStarted");
                        last[t.Task] = t; break;
                    case TaskFailed t: last[t.Task] = t; break;
                    case StepCompensated t: last[t.Task] = t; break;
                    case SequenceResumed r: // J8
                        Assert.Contains(list.Skip(i + 1), e => e is TaskCompleted c && c.Task == r.Task || e is TaskFailed f && f.Task == r.Task);
                        break;
                }
            }
            foreach (var (task, e) in last)
            {
                Assert.False(e is TaskStarted, $"task {task} of {group.Key} left open"); // J3
                var d = TaskDirectory.All[task];
                if (d.DiskEffect == "none") continue;
                if (e is TaskCompleted) Assert.Equal(DiskTaskCatalog.RegionState.Stamped, disk.Region(task)); // J5
                if (e is StepCompensated) Assert.Equal(DiskTaskCatalog.RegionState.Zero, disk.Region(task)); // J6
            }
        }
        var started = events.OfType<TaskStarted>().Select(t => t.Task).ToHashSet();
        foreach (var task in TaskDirectory.All.Keys)
        {
            var state = disk.Region(task);
            Assert.NotEqual(DiskTaskCatalog.RegionState.Torn, state); // J7
            if (state != DiskTaskCatalog.RegionState.Zero) Assert.Contains(task, started); // J4
        }
    }
}
