using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>
/// The fold of one batch of mirrored events after a read model's position: each event's chain check, decoded event
/// and the node state before and after it. Computed once per start position and reused by the next read model
/// that starts at the same place (same sequence, hash and stored state), which is every read model when nothing is
/// damaged: checking, decoding and folding an event is then done once per batch, not once per read model.
/// </summary>
internal sealed class BatchFold(IReadOnlyList<MirroredEvent> events)
{
    private Result? _last;

    /// <summary>One event: <see cref="Event"/> is null when it does not link or decode (or the stored state is damaged).</summary>
    internal readonly record struct Step(MirroredEvent Record, NodeEvent? Event, NodeState? Before, NodeState? After);

    /// <summary>The steps from a document's position.</summary>
    internal sealed record Result(long StartSequence, string StartHash, object StartState, IReadOnlyList<Step> Steps);

    /// <summary>The fold of the batch after <paramref name="doc"/> (cached for the next document at the same position).</summary>
    public Result For(FoldedDocument doc)
    {
        if (_last is { } r && r.StartSequence == doc.LastSequence && r.StartHash == doc.LastHash && FoldedDocument.SameState(r.StartState, doc.StateToken)) return r;
        return _last = Compute(doc);
    }

    private Result Compute(FoldedDocument doc)
    {
        var token = doc.StateToken;   // before TryGetFolded, which may replace the loaded string by its decoding
        var steps = new Step[events.Count];
        long seq = doc.LastSequence;
        var hash = doc.LastHash;
        // A damaged stored fold must not throw: the projection runs inside the mirror's append transaction, and an
        // exception there would stall the mirror for good. Its events count as breaks and the document stays as is.
        NodeState? state = doc.TryGetFolded(out var s) ? s : null;
        for (var i = 0; i < events.Count; i++)
        {
            var m = events[i];
            var ev = StoreEvents.Link(seq, hash, m) is null ? StoreEvents.TryDecode(m, out _) : null;
            if (ev is null || state is null)
            {
                steps[i] = new Step(m, null, null, null);
                continue;
            }
            var after = NodeState.Apply(state, ev);
            steps[i] = new Step(m, ev, state, after);
            (seq, hash, state) = (m.Sequence, m.Hash, after);
        }
        return new Result(doc.LastSequence, doc.LastHash, token, steps);
    }
}
