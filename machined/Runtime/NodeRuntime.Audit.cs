using Google.Protobuf;
using Talos.Api.Audit;
using Talos.Partitions.Audit;
using Talos.Upgrade.Forensics;
using ForensicFinding = Talos.Upgrade.Forensics.ForensicFinding;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// The META log as stored, for audits over the API (issue #10, talos/audit.proto): the checkpoint, the node's key
    /// and latest signed head, then every retained record. A consistent cut: records are read up to the last
    /// sequence seen when the head was taken, so a record appended meanwhile is left for the next audit.
    /// </summary>
    /// <exception cref="NodeNotReadyException">The node has no open META log (powered off or before the first boot).</exception>
    internal (AuditLogHead Head, IEnumerable<AuditLogRecord> Records) ReadAuditLog()
    {
        var meta = _meta ?? throw new NodeNotReadyException("the node has no open META log yet; retry once it has booted");
        var cp = meta.Checkpoint;
        var last = meta.LastSequence;
        var first = meta.FirstSequence;
        byte[]? key = null, head = null;
        try
        {
            var (k, h) = NodeKey.ReadPublic(StateStore);
            (key, head) = (k, h?.Encode());
        }
        catch (Exception e) when (e is FormatException or IOException or Talos.Core.Errors.TalosException)
        {
            Log($"audit: node key or head unreadable on STATE: {e.Message}");
        }
        var h0 = new AuditLogHead
        {
            NodeId = ByteString.CopyFrom(meta.NodeId.ToByteArray(bigEndian: true)),
            CheckpointSequence = cp.CheckpointSequence,
            Snapshot = ByteString.CopyFrom(cp.Snapshot),
            FirstSequence = first,
            FirstPreviousHash = ByteString.CopyFrom(cp.FirstPreviousHash),
            LastSequence = last,
            LastHash = ByteString.CopyFrom(meta.LastHash.Span),
            PublicKey = key is null ? ByteString.Empty : ByteString.CopyFrom(key),
            SignedHead = head is null ? ByteString.Empty : ByteString.CopyFrom(head),
        };
        var records = last < first ? [] : meta.ReadFrom(first).TakeWhile(r => r.Sequence <= last).Select(r => new AuditLogRecord
        {
            Sequence = r.Sequence,
            TimeUnixMicros = (r.Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10,
            Type = r.EventType,
            Payload = ByteString.CopyFrom(r.Payload.Span),
            PreviousHash = ByteString.CopyFrom(r.PreviousHash.Span),
            Hash = ByteString.CopyFrom(r.Hash.Span),
        });
        return (h0, records);
    }

    /// <summary>
    /// Online forensics (issue #10): re-hashes BOOT-A, BOOT-B and the EFI (boot-loader) area and compares them with the
    /// digests the log recorded and with <paramref name="knownGood"/>; every mismatch is appended to META as a
    /// ForensicDigestMismatch event (its sequence is returned with the finding). Refused while a sequence runs, since
    /// an upgrade writing a slot would look like tampering.
    /// </summary>
    /// <exception cref="NodeNotReadyException">The node has no log, or a sequence is running.</exception>
    internal async Task<(Guid NodeId, ulong Head, IReadOnlyList<(ForensicFinding Finding, ulong Event)> Findings)> VerifySlotsAsync(KnownGoodList? knownGood, CancellationToken ct)
    {
        var meta = _meta ?? throw new NodeNotReadyException("the node has no open META log yet; retry once it has booted");
        var state = Journal.State;
        if (state.Running is { } running)
            throw new NodeNotReadyException($"sequence {running.Name} is running and may be writing a slot; verify after it ends");
        var report = await Task.Run(() => DiskForensics.Verify(Disk.Device, state, knownGood, ct), ct);
        var results = new List<(ForensicFinding, ulong)>();
        foreach (var f in report.Findings)
        {
            ulong seq = 0;
            if (f.Status == ForensicStatus.Mismatch)
            {
                // The journal numbers the event; the returned sequence is the one META holds.
                seq = await Journal.AppendAsync([Talos.Core.Events.NodeEvents.Create(0, _o.Time, "", "", x => x.ForensicDigestMismatch = new Talos.Api.Events.ForensicDigestMismatch
                {
                    Area = f.Area, Slot = f.Slot, Expected = f.Recorded, Actual = f.Measured, Detail = f.Detail,
                })], ct);
                Log($"forensics: {f}");
            }
            results.Add((f, seq));
        }
        return (meta.NodeId, state.LastSequence, results);
    }

    /// <summary>
    /// The ConfigApplied event for <paramref name="cfg"/>, carrying the node's role and hostname so the fleet's
    /// NodeSummary can show them (issue #10).
    /// </summary>
    internal static Talos.Api.Events.ConfigApplied ConfigAppliedFor(Talos.Api.Events.ApplyMode mode, Talos.Core.Config.MachineConfig cfg) => new()
    {
        Mode = mode,
        Digest = cfg.Digest,
        MachineType = cfg.Machine?.Type ?? "",
        Hostname = cfg.Hostname?.Hostname is { Length: > 0 } h ? h : cfg.Machine?.Network?.Hostname ?? "",
    };
}
