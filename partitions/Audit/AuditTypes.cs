using Talos.Api.Events;
using Talos.Core.State;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Audit;

/// <summary>How bad an audit finding is. <c>talosctl audit verify</c> exits non-zero on any <see cref="Error"/>.</summary>
public enum AuditSeverity
{
    /// <summary>Worth knowing, not evidence of damage (e.g. a stale superblock copy after a crash).</summary>
    Warning,
    /// <summary>The history is damaged, incomplete or inconsistent.</summary>
    Error,
}

/// <summary>One thing an audit found wrong.</summary>
/// <param name="Severity">Warning or error.</param>
/// <param name="Kind">Stable machine-readable kind (e.g. "truncated", "chain", "gap", "decode", "anomaly", "signature").</param>
/// <param name="Sequence">The sequence the finding is about (0 when none).</param>
/// <param name="Detail">What was found, in words.</param>
public sealed record AuditProblem(AuditSeverity Severity, string Kind, ulong Sequence, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => $"{(Severity == AuditSeverity.Error ? "ERROR" : "warning")} [{Kind}]{(Sequence > 0 ? $" at {Sequence}" : "")}: {Detail}";
}

/// <summary>One verified log record with its decoded event (null when the payload did not decode).</summary>
/// <param name="Sequence">META sequence number.</param>
/// <param name="Time">Append time from the frame.</param>
/// <param name="EventType">Frame type code.</param>
/// <param name="Hash">SHA-256 of the record frame.</param>
/// <param name="PreviousHash">Chain link to the previous record.</param>
/// <param name="Payload">The event's canonical protobuf bytes.</param>
/// <param name="Event">The decoded event, or null.</param>
public sealed record AuditRecord(ulong Sequence, DateTimeOffset Time, ushort EventType, byte[] Hash, byte[] PreviousHash, byte[] Payload, NodeEvent? Event)
{
    /// <summary>Builds an audit record from a META record, decoding the payload strictly.</summary>
    public static AuditRecord From(LogRecord r, out string? decodeError)
    {
        NodeEvent? e = null;
        decodeError = null;
        try
        {
            e = Core.Events.EventCodec.Decode(r.Payload.Span, r.EventType);
        }
        catch (Core.Errors.EventDecodeException ex)
        {
            decodeError = ex.Message;
        }
        return new AuditRecord(r.Sequence, r.Timestamp, r.EventType, r.Hash.ToArray(), r.PreviousHash.ToArray(), r.Payload.ToArray(), e);
    }
}

/// <summary>Everything an offline audit of one META log found.</summary>
/// <param name="NodeId">Node id from the superblock.</param>
/// <param name="Recovery">What the log's own verification reported (CRCs, chain, sequence gaps, torn tail).</param>
/// <param name="StartedFromSequence">0 when the fold started from the initial state; else the checkpoint sequence whose snapshot was used.</param>
/// <param name="Records">The stored records, in order (after a checkpoint, older records live only in the snapshot).</param>
/// <param name="Timeline">The notable events, in order.</param>
/// <param name="FinalState">The folded node state.</param>
/// <param name="Problems">Everything found wrong, in order of discovery.</param>
public sealed record AuditResult(Guid NodeId, RecoveryReport Recovery, ulong StartedFromSequence, IReadOnlyList<AuditRecord> Records,
    IReadOnlyList<TimelineEntry> Timeline, NodeState FinalState, IReadOnlyList<AuditProblem> Problems)
{
    /// <summary>Chain hash of the checkpoint's last folded record (<see cref="StartedFromSequence"/>); empty when unknown.</summary>
    public byte[] CheckpointHash { get; init; } = [];

    /// <summary>Sequence of the last record (0 when empty).</summary>
    public ulong LastSequence => Records.Count > 0 ? Records[^1].Sequence : StartedFromSequence;

    /// <summary>Hex SHA-256 of the last record (the checkpoint's hash when every record was compacted, 64 zeros when empty).</summary>
    public string LastHash => Convert.ToHexStringLower(HashAt(LastSequence) ?? new byte[32]);

    /// <summary>
    /// The chain hash of record <paramref name="sequence"/> as this log attests it: the stored record's hash, else the
    /// link of the record after it, else the checkpoint's hash. Null when the log no longer knows it (compacted away).
    /// </summary>
    public byte[]? HashAt(ulong sequence)
    {
        if (Records.Count > 0 && sequence >= Records[0].Sequence && sequence <= Records[^1].Sequence)
        {
            var r = Records[(int)(sequence - Records[0].Sequence)];
            if (r.Sequence == sequence) return r.Hash;   // the stored records are gap-free after recovery; guard anyway
            return Records.FirstOrDefault(x => x.Sequence == sequence)?.Hash;
        }
        if (Records.Count > 0 && sequence + 1 == Records[0].Sequence) return Records[0].PreviousHash;
        if (sequence > 0 && sequence == StartedFromSequence && CheckpointHash.Length == 32) return CheckpointHash;
        return null;
    }

    /// <summary>True when no problem of severity <see cref="AuditSeverity.Error"/> was found.</summary>
    public bool IsClean => Problems.All(p => p.Severity != AuditSeverity.Error);
}
