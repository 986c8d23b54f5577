namespace Talos.Partitions.Meta;

/// <summary>An event to append: an opaque event type from the catalogue in specs/ and the event's protobuf bytes.</summary>
/// <param name="EventType">Catalogue id of the event; the log does not interpret it.</param>
/// <param name="Payload">The event's serialized bytes (at most <see cref="MetaLogOptions.MaxPayload"/>).</param>
public readonly record struct LogEntry(ushort EventType, ReadOnlyMemory<byte> Payload);

/// <summary>A durable, verified record of the log.</summary>
/// <param name="Sequence">Gap-free sequence number, from 1.</param>
/// <param name="TimestampMicros">Append time, microseconds since the Unix epoch (UTC), from the injected TimeProvider.</param>
/// <param name="EventType">Catalogue id of the event.</param>
/// <param name="Payload">The event's bytes.</param>
/// <param name="PreviousHash">SHA-256 of the previous record (zeros for sequence 1).</param>
/// <param name="Hash">SHA-256 of this record's frame.</param>
public readonly record struct LogRecord(ulong Sequence, long TimestampMicros, ushort EventType, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> PreviousHash, ReadOnlyMemory<byte> Hash)
{
    /// <summary>The append time as a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampMicros * 10);
}

/// <summary>What opening the log found and did.</summary>
/// <param name="Outcome">Clean, created, or truncated.</param>
/// <param name="Reason">Why the tail was cut (None when nothing was cut).</param>
/// <param name="BytesDiscarded">Bytes after the last valid record that were discarded (zeroed on a writable open).</param>
/// <param name="TruncatedAtOffset">Partition byte offset where the discarded bytes start (-1 when nothing was cut).</param>
/// <param name="LastValidSequence">Sequence of the last record kept.</param>
/// <param name="SuperblockRepaired">True when a stale or damaged superblock copy was (or, read-only, would be) rewritten.</param>
/// <param name="Detail">Human-readable explanation.</param>
public sealed record RecoveryReport(RecoveryOutcome Outcome, TruncationReason Reason, long BytesDiscarded, long TruncatedAtOffset, ulong LastValidSequence, bool SuperblockRepaired, string Detail)
{
    /// <summary>
    /// Set when the outcome is <see cref="RecoveryOutcome.Damaged"/>: the damaged span, what it hid and the records kept
    /// after it (issue #22). <see cref="LastValidSequence"/> is then the last record before the damage.
    /// </summary>
    public LogDamage? Damage { get; init; }

    /// <summary>
    /// Set when the active checkpoint's record hash (bytes 32..63) disagrees with the stored record of that sequence or
    /// with the link of the region's first record (issue #22): the checkpoint or the history was rewritten. The log still
    /// opens (the records verify among themselves); audits report it as an error.
    /// </summary>
    public string? CheckpointMismatch { get; init; }
}

/// <summary>Overall result of recovery.</summary>
public enum RecoveryOutcome
{
    /// <summary>The log ended cleanly; nothing was discarded.</summary>
    Clean,
    /// <summary>The partition was empty (zeroed superblocks) and a new log was created (or, read-only, is empty).</summary>
    Created,
    /// <summary>A damaged or unverifiable tail was cut off.</summary>
    Truncated,
    /// <summary>
    /// Damage in the middle of the log: valid records written by a later batch follow it, so it is no torn write (a
    /// power loss only damages the last batch). Nothing was cut: the damaged bytes stay in place, the records after
    /// them are kept and new records continue after the highest sequence seen (see <see cref="RecoveryReport.Damage"/>).
    /// </summary>
    Damaged,
}

/// <summary>Why recovery stopped before the end of the written bytes.</summary>
public enum TruncationReason
{
    /// <summary>Nothing was cut.</summary>
    None,
    /// <summary>A frame failed its CRC-32C or had an impossible length (a torn or damaged write).</summary>
    TornRecord,
    /// <summary>A frame with a valid CRC had the wrong sequence number.</summary>
    SequenceGap,
    /// <summary>A frame with a valid CRC did not link to the previous record's hash.</summary>
    ChainBroken,
    /// <summary>Non-zero bytes after the last record that are not a frame.</summary>
    TrailingData,
}

/// <summary>What a forced checkpoint dropped before the fleet store acknowledged it (see specs/meta-log.md §5).</summary>
/// <param name="FromSequence">First dropped record.</param>
/// <param name="ToSequence">Last dropped record.</param>
/// <param name="LastDroppedHash">SHA-256 of the last dropped record's frame: the chain across the gap still verifies.</param>
/// <param name="EventSequence">The sequence number the event recording this drop will get (the next record's).</param>
public sealed record DropReport(ulong FromSequence, ulong ToSequence, byte[] LastDroppedHash, ulong EventSequence)
{
    /// <summary>True when the drop is the quarantine checkpoint after mid-log damage (the records before the damage
    /// cannot be carried across it), not a region too full for the unmirrored records.</summary>
    public bool AcrossDamage { get; init; }
}
