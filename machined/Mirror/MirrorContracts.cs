namespace Talos.Machined.Mirror;

/// <summary>
/// One META log record as the fleet store keeps it. <see cref="Sequence"/> is the META sequence number and
/// becomes the Marten stream version, which is what makes mirroring exactly-once: the unique
/// (stream, version) index refuses a duplicate, and an append with an expected version refuses a gap.
/// </summary>
/// <param name="Sequence">META sequence number (gap-free from 1).</param>
/// <param name="Type">Event type code (the oneof field number of the event envelope).</param>
/// <param name="TypeName">Human-readable event type.</param>
/// <param name="Json">Canonical JSON of the event (queryable in PostgreSQL).</param>
/// <param name="Payload">Base64 of the event's canonical protobuf bytes (replays fold these, not the JSON).</param>
/// <param name="Hash">Hex SHA-256 of the record as chained in META (the chain continues through the store).</param>
/// <param name="PreviousHash">Hex SHA-256 of the previous record.</param>
/// <param name="Time">The record's timestamp from META.</param>
public sealed record MirroredEvent(
    long Sequence, int Type, string TypeName, string Json, string Payload, string Hash, string PreviousHash, DateTimeOffset Time);

/// <summary>
/// What the mirror reads: the node's META log (or a captured copy of it). The mirror reads the next batch while it
/// appends the current one, so <see cref="Read"/> may run on another thread than <see cref="AcknowledgeMirrored"/>.
/// </summary>
public interface IMirrorSource
{
    /// <summary>The node id (the Marten stream key).</summary>
    string NodeId { get; }

    /// <summary>Highest sequence number in the log.</summary>
    ulong LastSequence { get; }

    /// <summary>Records with sequence ≥ <paramref name="fromSequence"/>, in order, at most <paramref name="max"/>.</summary>
    IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max);

    /// <summary>Tells the log that everything up to <paramref name="sequence"/> is in the store (compaction may drop it).</summary>
    void AcknowledgeMirrored(ulong sequence);

    /// <summary>First sequence still readable (records before it were compacted into <see cref="Checkpoint"/>).</summary>
    ulong FirstSequence => 1;

    /// <summary>The log's checkpoint (null when nothing was compacted).</summary>
    MirrorCheckpoint? Checkpoint => null;
}

/// <summary>A META checkpoint as the mirror needs it to start a stream there.</summary>
/// <param name="Sequence">Last record folded into <paramref name="Snapshot"/>.</param>
/// <param name="Hash">Hex chain hash of that record.</param>
/// <param name="Snapshot">Canonical NodeState snapshot at <paramref name="Sequence"/>.</param>
public sealed record MirrorCheckpoint(long Sequence, string Hash, byte[] Snapshot);

/// <summary>The outcome of one synchronisation pass.</summary>
/// <param name="Appended">Events appended by this pass.</param>
/// <param name="StoreVersion">Stream version in the store after the pass (= last mirrored sequence).</param>
/// <param name="Lag">Events in META not yet in the store.</param>
/// <param name="Conflicts">Concurrency conflicts retried (another shipper appended first).</param>
/// <param name="Error">The transient error that stopped the pass, if any.</param>
public sealed record MirrorResult(int Appended, long StoreVersion, long Lag, int Conflicts, string? Error);
