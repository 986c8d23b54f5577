using System.Security.Cryptography;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Audit;

/// <summary>A META record as kept outside META (fleet store, export): enough to recompute its frame hash.</summary>
/// <param name="Sequence">META sequence.</param>
/// <param name="Time">Frame time (microsecond precision).</param>
/// <param name="Type">Frame type code.</param>
/// <param name="Payload">Canonical event bytes.</param>
/// <param name="PreviousHash">Hex chain link.</param>
/// <param name="Hash">Hex hash of the record.</param>
public sealed record ExternalRecord(long Sequence, DateTimeOffset Time, int Type, byte[] Payload, string PreviousHash, string Hash);

/// <summary>
/// Verifies a chain of records kept outside META: gap-free sequence, each record linking to the previous hash, and
/// each hash equal to the SHA-256 of the frame rebuilt from the record's fields (specs/meta-log.md), so an edited
/// payload, time or link is caught even when the stored hash was left alone.
/// </summary>
public static class ChainCheck
{
    /// <summary>The 64-zero hash that precedes sequence 1.</summary>
    public static readonly string ZeroHash = new('0', 64);

    /// <summary>The frame hash of <paramref name="r"/> recomputed from its fields (lower-case hex).</summary>
    /// <exception cref="FormatException">The previous hash is not 64 hex characters.</exception>
    public static string FrameHash(ExternalRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var prev = Convert.FromHexString(r.PreviousHash);
        if (prev.Length != RecordFrame.HashSize) throw new FormatException($"previous hash of record {r.Sequence} is {prev.Length} bytes, not 32");
        var frame = new byte[RecordFrame.Overhead + r.Payload.Length];
        var micros = (r.Time - DateTimeOffset.UnixEpoch).Ticks / 10;
        RecordFrame.Encode(frame, (ulong)r.Sequence, micros, checked((ushort)r.Type), r.Payload, prev);
        return Convert.ToHexStringLower(SHA256.HashData(frame));
    }

    /// <summary>What is wrong with <paramref name="r"/> following (<paramref name="previousSequence"/>, <paramref name="previousHash"/>); null when it links.</summary>
    public static AuditProblem? Link(long previousSequence, string previousHash, ExternalRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.Sequence != previousSequence + 1)
            return new(AuditSeverity.Error, "gap", (ulong)r.Sequence, $"gap: sequence {r.Sequence} follows {previousSequence}");
        if (!string.Equals(r.PreviousHash, previousHash, StringComparison.Ordinal))
            return new(AuditSeverity.Error, "chain", (ulong)r.Sequence, $"chain broken: record {r.Sequence} links to {r.PreviousHash}, the previous record is {previousHash}");
        string actual;
        try { actual = FrameHash(r); }
        catch (Exception ex) when (ex is FormatException or OverflowException) { return new(AuditSeverity.Error, "chain", (ulong)r.Sequence, $"record {r.Sequence} is malformed: {ex.Message}"); }
        return string.Equals(actual, r.Hash, StringComparison.Ordinal) ? null
            : new(AuditSeverity.Error, "chain", (ulong)r.Sequence, $"record {r.Sequence} was altered: it hashes to {actual}, the chain says {r.Hash}");
    }
}
