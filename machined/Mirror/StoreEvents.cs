using System.Security.Cryptography;
using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.Events;
using Talos.Partitions.Meta;

namespace Talos.Machined.Mirror;

/// <summary>Decoding and chain checks of <see cref="MirroredEvent"/>s as read back from the fleet store.</summary>
public static class StoreEvents
{
    /// <summary>The 64-zero hash that precedes sequence 1.</summary>
    public static readonly string ZeroHash = new('0', 64);

    /// <summary>Decodes the canonical protobuf payload; null when it is not a canonical event of the stated type.</summary>
    public static NodeEvent? TryDecode(MirroredEvent m, out string? error)
    {
        ArgumentNullException.ThrowIfNull(m);
        error = null;
        try
        {
            var e = EventCodec.Decode(Convert.FromBase64String(m.Payload), checked((ushort)m.Type));
            if ((long)e.Sequence != m.Sequence) { error = $"the event inside says sequence {e.Sequence}"; return null; }
            return e;
        }
        catch (Exception ex) when (ex is EventDecodeException or FormatException or OverflowException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>
    /// Recomputes the META frame hash of <paramref name="m"/> from its sequence, time, type, payload and previous
    /// hash (the frame layout of specs/meta-log.md). A store row whose payload or link was edited no longer matches.
    /// </summary>
    public static string FrameHash(MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var payload = Convert.FromBase64String(m.Payload);
        var frame = new byte[RecordFrame.Overhead + payload.Length];
        var micros = (m.Time - DateTimeOffset.UnixEpoch).Ticks / 10;
        RecordFrame.Encode(frame, (ulong)m.Sequence, micros, checked((ushort)m.Type), payload, Convert.FromHexString(m.PreviousHash));
        return Convert.ToHexStringLower(SHA256.HashData(frame));
    }

    /// <summary>What is wrong with <paramref name="m"/> following a record with <paramref name="previousSequence"/> and <paramref name="previousHash"/>; null when it links.</summary>
    public static string? LinkProblem(long previousSequence, string previousHash, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.Sequence != previousSequence + 1) return $"gap: sequence {m.Sequence} follows {previousSequence}";
        if (!string.Equals(m.PreviousHash, previousHash, StringComparison.Ordinal)) return $"chain broken: record {m.Sequence} links to {m.PreviousHash}, the previous record is {previousHash}";
        string actual;
        try { actual = FrameHash(m); }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return $"record {m.Sequence} is malformed: {ex.Message}"; }
        if (!string.Equals(actual, m.Hash, StringComparison.Ordinal)) return $"record {m.Sequence} was altered: it hashes to {actual}, the chain says {m.Hash}";
        return null;
    }
}
