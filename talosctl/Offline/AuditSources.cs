using Google.Protobuf;
using Talos.Api.Audit;
using Talos.Api.Machine;
using Talos.Core.State;
using Talos.Ctl.Client;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Offline;

/// <summary>
/// Loads a node's history from any of the three sources into an <see cref="AuditHistory"/> (issue #10):
/// <c>disk:&lt;image&gt;</c> (offline META), <c>fleet</c> (the store's rows) and <c>node</c> (the running node's
/// META over the API: Events with audit_records, talos/audit.proto).
/// </summary>
internal static class AuditSources
{
    /// <summary>A disk or fleet source; throws <see cref="ArgumentException"/> for anything else or missing options.</summary>
    public static AuditHistory LoadOffline(string from, string? store, string? schema, string? node)
    {
        if (OfflineReport.DiskPath(from) is { } path)
        {
            using var disk = ImageFile.Open(path);
            return AuditHistory.FromDisk(from, DiskAudit.Run(disk));
        }
        if (from != "fleet") throw new ArgumentException($"--from {from} is not a source: use disk:<image>, fleet or node");
        if (store is null || schema is null || node is null)
            throw new ArgumentException("--from fleet needs --store <connection string>, --schema <schema> and --node <id>");
        var records = FleetStoreReader.Read(store, schema, node);
        if (records.Count == 0) throw new ArgumentException($"the fleet store has no history for node {node} in schema {schema}");
        var (start, notice) = FleetStoreReader.ReadStart(store, schema, node);
        var history = AuditHistory.FromRecords("fleet", node, records, start);
        return notice is null ? history : history with { Problems = [notice, .. history.Problems] };
    }

    /// <summary>The node's log over the API, with the key and head it keeps on STATE.</summary>
    public static async Task<NodeLog> ReadNodeAsync(IMachineClient c, CancellationToken ct)
    {
        using var call = c.Machine.Events(new EventsRequest { AuditRecords = true }, c.Call(ct));
        AuditLogHead? head = null;
        var records = new List<ExternalRecord>();
        while (await call.ResponseStream.MoveNext(ct))
        {
            var data = call.ResponseStream.Current.Data;
            if (data is null) continue;
            if (data.TypeUrl.EndsWith(AuditLogHead.Descriptor.FullName, StringComparison.Ordinal)) head = AuditLogHead.Parser.ParseFrom(data.Value);
            else if (data.TypeUrl.EndsWith(AuditLogRecord.Descriptor.FullName, StringComparison.Ordinal))
            {
                var r = AuditLogRecord.Parser.ParseFrom(data.Value);
                records.Add(new ExternalRecord((long)r.Sequence, DateTimeOffset.UnixEpoch.AddTicks(r.TimeUnixMicros * 10), (int)r.Type, r.Payload.ToByteArray(),
                    Hex(r.PreviousHash), Hex(r.Hash)));
            }
        }
        if (head is null) throw new InvalidDataException($"node {c.Node} sent no audit log head: it does not serve audit records (Talos.NET issue #10)");
        var nodeId = new Guid(head.NodeId.Span, bigEndian: true).ToString();
        ExternalStart? start = head.CheckpointSequence == 0 && head.FirstSequence <= 1 ? null
            : new ExternalStart(head.CheckpointSequence == 0 ? NodeState.Initial : NodeState.FromSnapshot(head.Snapshot.ToByteArray()),
                head.CheckpointSequence, (long)head.FirstSequence - 1, Hex(head.FirstPreviousHash));
        var history = AuditHistory.FromRecords("node:" + c.Node, nodeId, records, start);
        return new NodeLog(history, head.PublicKey.IsEmpty ? null : head.PublicKey.ToByteArray(),
            head.SignedHead.IsEmpty ? null : SignedHead.Decode(head.SignedHead.Span));
    }

    private static string Hex(ByteString b) => Convert.ToHexStringLower(b.Span);
}

/// <summary>A node's log read over the API.</summary>
/// <param name="History">The replayed history.</param>
/// <param name="PublicKey">The node's key (null before its first boot reached Running).</param>
/// <param name="Head">The latest head the node signed (null when none).</param>
internal sealed record NodeLog(AuditHistory History, byte[]? PublicKey, SignedHead? Head)
{
    /// <summary>The history's problems plus the check of the node's own signed head.</summary>
    public IReadOnlyList<AuditProblem> Problems => Head is not null && PublicKey is not null
        ? [.. History.Problems, .. History.CheckHead(Head, PublicKey)]
        : History.Problems;
}
