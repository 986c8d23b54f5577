using Talos.Core.Events;
using Talos.Partitions.Meta;

namespace Talos.Machined.Mirror;

/// <summary>
/// The node's META log as a mirror source: each record becomes a <see cref="MirroredEvent"/> carrying the canonical
/// protobuf bytes (base64), the canonical JSON, and the chain hashes, so the store can re-verify the chain and
/// replays from the store and from META fold the same bytes (invariant 6).
/// </summary>
public sealed class MetaLogMirrorSource(MetaLog log, string nodeId) : IMirrorSource
{
    /// <inheritdoc />
    public string NodeId { get; } = nodeId;

    /// <inheritdoc />
    public ulong LastSequence => log.LastSequence;

    /// <inheritdoc />
    public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max) =>
        log.ReadFrom(fromSequence).Take(max).Select(ToMirrored).ToList();

    /// <inheritdoc />
    public void AcknowledgeMirrored(ulong sequence) => log.AcknowledgeMirrored(sequence);

    /// <summary>The store form of one META record. Throws <see cref="Core.Errors.EventDecodeException"/> for a payload that is not a canonical event.</summary>
    public static MirroredEvent ToMirrored(LogRecord r)
    {
        var e = EventCodec.Decode(r.Payload.Span, r.EventType);
        return new MirroredEvent((long)r.Sequence, r.EventType, e.PayloadCase.ToString(), EventCodec.ToCanonicalJson(e),
            Convert.ToBase64String(r.Payload.Span), Convert.ToHexStringLower(r.Hash.Span), Convert.ToHexStringLower(r.PreviousHash.Span), r.Timestamp);
    }
}
