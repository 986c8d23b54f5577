using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.State;

namespace Talos.Partitions.Audit;

/// <summary>A span during which a node ran one slot (consecutive boots of the same slot and version are one span).</summary>
/// <param name="Slot">"A" or "B".</param>
/// <param name="Version">The booted version.</param>
/// <param name="FromSequence">The boot that started the span.</param>
/// <param name="From">Its time.</param>
/// <param name="To">Time of the next span's boot, or of the history's last record.</param>
/// <param name="Boots">Boots in the span.</param>
public sealed record SlotSpan(string Slot, string Version, ulong FromSequence, DateTimeOffset From, DateTimeOffset To, int Boots);

/// <summary>A rollback on the slot timeline.</summary>
/// <param name="Sequence">The RolledBack event.</param>
/// <param name="Time">Its time.</param>
/// <param name="Text">The timeline's description (reason and evidence).</param>
public sealed record RollbackMark(ulong Sequence, DateTimeOffset Time, string Text);

/// <summary>
/// Which slot a node ran over time (issue #10, <c>audit report</c>): folds the history's events and starts a span at
/// each boot whose slot or version differs from the running span's.
/// </summary>
public static class SlotTimeline
{
    /// <summary>The spans and rollbacks of <paramref name="h"/> (events that do not decode are skipped; the replay reports them).</summary>
    public static (IReadOnlyList<SlotSpan> Spans, IReadOnlyList<RollbackMark> Rollbacks) Build(AuditHistory h)
    {
        ArgumentNullException.ThrowIfNull(h);
        var spans = new List<SlotSpan>();
        var state = NodeState.Initial;
        var end = h.Records.Count > 0 ? h.Records[^1].Time : DateTimeOffset.UnixEpoch;
        foreach (var r in h.Records.Where(r => (ulong)r.Sequence > h.StartedFromSequence))
        {
            NodeEvent e;
            try { e = EventCodec.Decode(r.Payload, checked((ushort)r.Type)); }
            catch (Exception ex) when (ex is Core.Errors.EventDecodeException or OverflowException) { continue; }
            state = NodeState.Apply(state, e);
            if (e.PayloadCase != NodeEvent.PayloadOneofCase.Booted || e.Booted.Slot == Slot.Unspecified) continue;
            var slot = e.Booted.Slot == Slot.A ? "A" : "B";
            if (spans.Count > 0 && spans[^1].Slot == slot && spans[^1].Version == state.BootedVersion)
            {
                spans[^1] = spans[^1] with { Boots = spans[^1].Boots + 1 };
                continue;
            }
            if (spans.Count > 0) spans[^1] = spans[^1] with { To = r.Time };
            spans.Add(new SlotSpan(slot, state.BootedVersion, (ulong)r.Sequence, r.Time, end, 1));
        }
        var rollbacks = h.Timeline.Where(t => t.Kind == TimelineKind.Rollback).Select(t => new RollbackMark(t.Sequence, t.Time, t.Text)).ToList();
        return (spans, rollbacks);
    }
}
