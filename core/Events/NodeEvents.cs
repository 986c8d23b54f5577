using Google.Protobuf.WellKnownTypes;
using Talos.Api.Events;

namespace Talos.Core.Events;

/// <summary>Helpers to build envelopes deterministically (time from an injected <see cref="TimeProvider"/>).</summary>
public static class NodeEvents
{
    /// <summary>
    /// Builds an envelope around a payload set by <paramref name="setPayload"/>, e.g.
    /// <c>NodeEvents.Create(seq, clock, actor, opId, e =&gt; e.BootConfirmed = new() { Slot = Slot.B })</c>.
    /// </summary>
    public static NodeEvent Create(ulong sequence, TimeProvider clock, string actorId, string sequenceId, Action<NodeEvent> setPayload)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(setPayload);
        var e = new NodeEvent
        {
            Sequence = sequence,
            Time = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            ActorId = actorId ?? "",
            SequenceId = sequenceId ?? "",
        };
        setPayload(e);
        if (e.PayloadCase == NodeEvent.PayloadOneofCase.None)
            throw new ArgumentException("the payload setter did not set a payload", nameof(setPayload));
        return e;
    }

    /// <summary>A copy of <paramref name="e"/> renumbered to <paramref name="sequence"/> (used by the META log on append).</summary>
    public static NodeEvent WithSequence(this NodeEvent e, ulong sequence)
    {
        ArgumentNullException.ThrowIfNull(e);
        var copy = e.Clone();
        copy.Sequence = sequence;
        return copy;
    }
}
