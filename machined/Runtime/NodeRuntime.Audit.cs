using Google.Protobuf;
using Talos.Api.Audit;
using Talos.Partitions.Audit;

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
}
