using Talos.Sequencer.Journal;

namespace Talos.Sequencer.Recovery;

/// <summary>
/// A streaming filter that keeps, of a journal read oldest first, only the events crash recovery needs: those of
/// runs that <see cref="JournalAnalysis.FindInterrupted"/> would report (first event SequenceStarted, no terminal
/// event). Fed while the log is folded at boot, it spares recovery a second read and decode of the whole log.
/// </summary>
/// <remarks>
/// Equivalence: FindInterrupted judges each run by that run's own events alone (its first event and whether any is
/// terminal) and reports runs in order of first appearance. A run whose first event is not SequenceStarted, or that
/// has ended, can never be reported whatever follows, so its events are dropped and its id remembered as closed; the
/// kept runs' events are returned grouped by run, runs in order of first appearance, each run's events in log order.
/// FindInterrupted groups exactly so, hence FindInterrupted(<see cref="Retained"/>) equals FindInterrupted(all events).
/// The fold's single <c>NodeState.Running</c> is not used: overlapping or compacted runs make it differ.
/// </remarks>
public sealed class InterruptedScan
{
    // Null value: the run can no longer be reported (ended, or did not start with SequenceStarted in this log).
    private readonly Dictionary<string, List<JournalEvent>?> _runs = new(StringComparer.Ordinal);
    private readonly List<string> _opened = [];

    /// <summary>The number of events seen so far.</summary>
    public long Seen { get; private set; }

    /// <summary>Offers the next event of the journal (oldest first).</summary>
    public void Add(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Seen++;
        if (e is OperationLocked) return; // FindInterrupted ignores refusals entirely
        if (!_runs.TryGetValue(e.SequenceId, out var run))
        {
            if (e is SequenceStarted)
            {
                _runs[e.SequenceId] = [e];
                _opened.Add(e.SequenceId);
            }
            else _runs[e.SequenceId] = null;
            return;
        }
        if (run is null) return;
        if (JournalAnalysis.IsTerminal(e)) _runs[e.SequenceId] = null;
        else run.Add(e);
    }

    /// <summary>The events of the runs still open, grouped by run in order of first appearance.</summary>
    public IReadOnlyList<JournalEvent> Retained =>
        _opened.Select(id => _runs[id]).OfType<List<JournalEvent>>().SelectMany(run => run).ToArray();

    /// <summary>Filters a whole journal (the same as adding every event and reading <see cref="Retained"/>).</summary>
    public static IReadOnlyList<JournalEvent> Filter(IEnumerable<JournalEvent> events)
    {
        var scan = new InterruptedScan();
        foreach (var e in events) scan.Add(e);
        return scan.Retained;
    }
}
