namespace Talos.Partitions.Meta;

/// <summary>
/// Damage in the middle of the META log (issue #22): bytes that fail their checks with valid records of a later batch
/// after them. A power loss can only damage the last batch (batches are written one at a time, each flushed before the
/// next), so this is corruption of acknowledged records: the log never cuts it. Offsets are partition bytes.
/// </summary>
/// <param name="FromSequence">First sequence hidden by the damage (the one expected where it starts).</param>
/// <param name="ToSequence">Last sequence hidden (the one before <paramref name="ResumedAtSequence"/>); less than
/// <paramref name="FromSequence"/> when no sequence is missing (only a chain link is broken).</param>
/// <param name="Offset">Partition byte offset where the damaged span starts (the end of the last good record).</param>
/// <param name="Length">Bytes in the damaged span, up to the first record kept after it (0 for a broken link alone).</param>
/// <param name="Sha256">SHA-256 of the damaged span's bytes as read.</param>
/// <param name="LastGoodHash">SHA-256 of the last record before the damage (zeros when none).</param>
/// <param name="LostLastHash">The chain link stored in the first record after the damage: the hash record
/// <paramref name="ResumedAtSequence"/> − 1 had when it was written.</param>
/// <param name="ResumedAtSequence">First record kept after the damage.</param>
/// <param name="LastSequence">Last record after the damage (the highest sequence seen; new records follow it).</param>
/// <param name="Excerpt">The first <see cref="MaxExcerpt"/> bytes of the damaged span: a quarantine copy that the
/// node's repair event carries, so the bytes stay readable after a checkpoint reuses the region.</param>
public sealed record LogDamage(ulong FromSequence, ulong ToSequence, long Offset, long Length, byte[] Sha256, byte[] LastGoodHash,
    byte[] LostLastHash, ulong ResumedAtSequence, ulong LastSequence, byte[] Excerpt)
{
    /// <summary>Largest quarantine copy kept in <see cref="Excerpt"/> (16 KiB: well under a record's payload limit).</summary>
    public const int MaxExcerpt = 16 * 1024;

    /// <summary>Number of sequences the damage hides.</summary>
    public ulong LostCount => ToSequence >= FromSequence ? ToSequence - FromSequence + 1 : 0;

    /// <summary>"records 100..100" or "the link before record 100".</summary>
    public string Range => LostCount > 0 ? $"records {FromSequence}..{ToSequence}" : $"the chain link before record {ResumedAtSequence}";

    /// <summary>One line for logs, the console and audit output.</summary>
    public string Describe() =>
        $"{Range} damaged (META bytes {Offset}..{Offset + Length}, sha256 {Convert.ToHexStringLower(Sha256)}) with valid records " +
        $"{ResumedAtSequence}..{LastSequence} after them: kept in place, nothing cut, the log continues at {LastSequence + 1}";
}
