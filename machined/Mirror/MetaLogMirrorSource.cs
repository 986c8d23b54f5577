using Talos.Core.Events;
using Talos.Partitions.Meta;

namespace Talos.Machined.Mirror;

/// <summary>
/// The node's META log as the mirror's source: each record becomes a <see cref="MirroredEvent"/> carrying the event's
/// canonical protobuf bytes (what replays fold), its canonical JSON (what SQL queries read) and the record's chain
/// hashes, so a replay from the fleet store folds to the same NodeState hash as a replay from META (invariant 6).
/// Acknowledgements go back to the log, which then may compact what the store holds (never what it does not).
/// </summary>
public sealed class MetaLogMirrorSource(MetaLog log, string nodeId) : IMirrorSource
{
    /// <inheritdoc />
    public string NodeId { get; } = nodeId;

    /// <inheritdoc />
    public ulong LastSequence => log.LastSequence;

    /// <inheritdoc />
    public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max)
    {
        if (fromSequence > log.LastSequence) return [];
        return log.ReadFrom(fromSequence).Take(max).Select(ToMirrored).ToList();
    }

    /// <inheritdoc />
    public void AcknowledgeMirrored(ulong sequence) => log.AcknowledgeMirrored(Math.Min(sequence, log.LastSequence));

    /// <inheritdoc />
    public ulong FirstSequence => log.FirstSequence;

    /// <inheritdoc />
    public MirrorCheckpoint? Checkpoint => log.Checkpoint is { CheckpointSequence: > 0 } cp
        ? new MirrorCheckpoint((long)cp.CheckpointSequence, Convert.ToHexStringLower(cp.CheckpointHash), cp.Snapshot)
        : null;

    /// <summary>One META record in the store's shape.</summary>
    public static MirroredEvent ToMirrored(LogRecord r)
    {
        var e = EventCodec.Decode(r.Payload.Span, r.EventType);
        return new MirroredEvent((long)r.Sequence, r.EventType, e.PayloadCase.ToString(), EventCodec.ToCanonicalJson(e),
            Convert.ToBase64String(r.Payload.Span), Convert.ToHexStringLower(r.Hash.Span), Convert.ToHexStringLower(r.PreviousHash.Span), r.Timestamp);
    }
}
