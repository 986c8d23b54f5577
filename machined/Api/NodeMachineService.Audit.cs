using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Audit;
using Talos.Api.Machine;
using Talos.Upgrade.Forensics;
using MachineEvent = Talos.Api.Machine.Event;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    /// <summary>
    /// Events with audit_records (issue #10, talos/audit.proto): the META log as stored — one AuditLogHead, then every
    /// retained AuditLogRecord — and the stream ends. Each message is a machine.Event whose id is the sequence.
    /// </summary>
    private async Task SendAuditRecordsAsync(EventsRequest request, IServerStreamWriter<MachineEvent> stream, Talos.Api.Common.Metadata? md, CancellationToken ct)
    {
        if (request.TailEvents != 0 || request.TailId.Length > 0 || request.TailSeconds != 0 || request.WithActorId.Length > 0)
            throw new InvalidApiRequestException("audit_records", "the whole log is sent: tail_events, tail_id, tail_seconds and with_actor_id must be unset");
        var (head, records) = node.ReadAuditLog();
        await stream.WriteAsync(Wrap(head, "0", md), ct);
        foreach (var r in records)
            await stream.WriteAsync(Wrap(r, r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), md), ct);
    }

    private static MachineEvent Wrap(IMessage m, string id, Talos.Api.Common.Metadata? md) => new()
    {
        Metadata = md,
        Id = id,
        Data = new Any { TypeUrl = EventMapping.TypeUrlPrefix + m.Descriptor.FullName, Value = m.ToByteString() },
    };

    /// <summary>Online forensics (issue #10, specs/api.md §9.2): re-hash the slots and the boot-loader area, log mismatches.</summary>
    public override async Task<ForensicsVerifyResponse> ForensicsVerify(ForensicsVerifyRequest request, ServerCallContext context)
    {
        KnownGoodList? kg = request.KnownGood.Count == 0 ? null
            : KnownGoodList.Parse(string.Join('\n', request.KnownGood.Select(k => $"{k.Digest} {k.Version}")), "known_good");
        var (nodeId, head, findings) = await node.VerifySlotsAsync(kg, context.CancellationToken);
        var response = new ForensicsVerifyResponse { NodeId = nodeId.ToString(), HeadSequence = head };
        foreach (var (f, seq) in findings)
            response.Findings.Add(new Talos.Api.Audit.ForensicFinding
            {
                Area = f.Area, Slot = f.Slot, Status = (Talos.Api.Audit.ForensicFinding.Types.Status)(int)f.Status,   // same numbering as ForensicStatus (pinned by a test)
                Recorded = f.Recorded, Measured = f.Measured, Detail = f.Detail, EventSequence = seq,
            });
        return response;
    }
}
