using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.Events;
using Talos.Partitions.Audit;

namespace Talos.Machined.Mirror;

/// <summary>Decoding and chain checks of <see cref="MirroredEvent"/>s as read back from the fleet store.</summary>
public static class StoreEvents
{
    /// <summary>The 64-zero hash that precedes sequence 1.</summary>
    public static readonly string ZeroHash = ChainCheck.ZeroHash;

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

    /// <summary>The record fields the chain check needs; throws <see cref="FormatException"/> for a payload that is not base64.</summary>
    public static ExternalRecord ToExternal(MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new ExternalRecord(m.Sequence, m.Time, m.Type, Convert.FromBase64String(m.Payload), m.PreviousHash, m.Hash);
    }

    /// <summary>What is wrong with <paramref name="m"/> following a record with <paramref name="previousSequence"/> and <paramref name="previousHash"/>; null when it links.</summary>
    public static AuditProblem? Link(long previousSequence, string previousHash, MirroredEvent m)
    {
        ArgumentNullException.ThrowIfNull(m);
        try
        {
            return ChainCheck.Link(previousSequence, previousHash, ToExternal(m));
        }
        catch (FormatException ex)
        {
            return new(AuditSeverity.Error, "chain", (ulong)m.Sequence, $"record {m.Sequence} is malformed: {ex.Message}");
        }
    }
}
