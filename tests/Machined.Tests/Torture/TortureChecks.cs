using System.Globalization;
using Talos.Api.Cosi;
using Talos.Partitions.Audit;
using Talos.Partitions.Layout;
using Talos.Upgrade.Slots;
using static Talos.Machined.Tests.Api.NodeApiHarness;
using MachineEvent = Talos.Api.Machine.Event;
using Slot = Talos.Api.Events.Slot;

namespace Talos.Machined.Tests.Torture;

/// <summary>
/// The invariants the torture checks, through the disk (an offline, read-only audit of the image once the process is
/// gone) and through the API (after the restart). Each failure throws <see cref="TortureFailure"/> with what differed.
/// </summary>
public static class TortureChecks
{
    /// <summary>Offline audit of the disk image: META opened read-only, every record verified, chain and fold checked.</summary>
    public static AuditResult Audit(string diskPath)
    {
        using var image = ImageFile.Open(diskPath);
        var audit = DiskAudit.Run(image);
        var errors = audit.Problems.Where(p => p.Severity == AuditSeverity.Error).ToList();
        if (errors.Count > 0) throw new TortureFailure("the META chain does not verify offline:\n  " + string.Join("\n  ", errors));
        return audit;
    }

    /// <summary>Invariant 4 on disk: every event a client received before the kill is a record of the log, the same event.</summary>
    public static void AcknowledgedOnDisk(IReadOnlyList<MachineEvent> acknowledged, AuditResult audit, string when)
    {
        var bySequence = audit.Records.ToDictionary(r => r.Sequence);
        foreach (var e in acknowledged)
        {
            var seq = ulong.Parse(e.Id, CultureInfo.InvariantCulture);
            if (seq <= audit.StartedFromSequence) continue;   // compacted into the checkpoint snapshot
            if (!bySequence.TryGetValue(seq, out var rec))
                throw new TortureFailure($"{when}: acknowledged event {seq} ({e.Data.TypeUrl}, actor {e.ActorId}) is not in the log on disk (last record {audit.LastSequence})");
            if (rec.Event is null || rec.Event.ActorId != e.ActorId)
                throw new TortureFailure($"{when}: record {seq} on disk is {rec.Event?.PayloadCase} of actor {rec.Event?.ActorId}, the stream said {e.Data.TypeUrl} of {e.ActorId}");
            if (AsNodeEvent(e) is { } sent && !sent.Equals(rec.Event))
                throw new TortureFailure($"{when}: record {seq} on disk differs from the event sent ({rec.Event.PayloadCase} vs {sent.PayloadCase})");
        }
    }

    /// <summary>Invariant 4 over the API: every acknowledged event is served again after the restart, byte for byte.</summary>
    public static void AcknowledgedServed(IReadOnlyList<MachineEvent> acknowledged, IReadOnlyList<MachineEvent> history)
    {
        var byId = new Dictionary<string, MachineEvent>(StringComparer.Ordinal);
        foreach (var h in history) byId[h.Id] = h;
        // META checkpoints compact old records (NodeRuntimeOptions.MetaCheckpointEveryRecords): the node serves the history
        // from its first record kept; every acknowledged event from there on must be served.
        var firstServed = history.Count > 0 ? ulong.Parse(history[0].Id, CultureInfo.InvariantCulture) : ulong.MaxValue;
        foreach (var e in acknowledged)
        {
            if (ulong.Parse(e.Id, CultureInfo.InvariantCulture) < firstServed && history.Count > 0) continue;
            if (!byId.TryGetValue(e.Id, out var h))
                throw new TortureFailure($"acknowledged event {e.Id} ({e.Data.TypeUrl}, actor {e.ActorId}) is missing from the history after the restart ({history.Count} events, last {history.LastOrDefault()?.Id})");
            if (h.ActorId != e.ActorId || h.Data.TypeUrl != e.Data.TypeUrl || !h.Data.Value.Equals(e.Data.Value))
                throw new TortureFailure($"event {e.Id} changed across the restart: {e.Data.TypeUrl}/{e.ActorId} before, {h.Data.TypeUrl}/{h.ActorId} after");
        }
    }

    /// <summary>
    /// Invariants 1 and 3 against the log: the stage the API reports is the one the log's fold says (Running with a config,
    /// Maintenance without); no sequence is left open; a Running node boots the slot the log says, confirmed, and that
    /// slot's content on disk measures to the digest the log recorded and the API reports.
    /// </summary>
    public static void ConsistentWithLog(NodeProbe probe, AuditResult audit, string diskPath)
    {
        var s = audit.FinalState;
        if (s.Running is { } open)
            throw new TortureFailure($"the log leaves sequence {open.Name} of {open.ActorId} open on a settled node");
        // The fold says whether the node waits in maintenance (nothing bootable, or a booted slot without a config on
        // STATE: both log MaintenanceEntered); otherwise it comes up Running.
        var maintenance = s.InMaintenance;
        var expected = maintenance ? MachineStage.Maintenance : MachineStage.Running;
        if (probe.Stage != expected)
            throw new TortureFailure($"the API says {probe.Stage} but the log's fold says {(maintenance ? "maintenance" : "configured")} (config {Short(s.ConfigDigest)}, in maintenance {s.InMaintenance})");
        if (probe.Stage != MachineStage.Running) return;
        var booted = probe.Booted ?? throw new TortureFailure($"a Running node reports no booted slot: {probe}");
        var slot = booted.Slot == "A" ? Slot.A : Slot.B;
        if (s.BootedSlot != slot) throw new TortureFailure($"the API says slot {booted.Slot} is booted, the log says {s.BootedSlot}");
        var logged = s.SlotOf(slot);
        if (!logged.Successful) throw new TortureFailure($"the node runs slot {slot}, which the log never confirmed");
        if (booted.ImageDigest != "sha256:" + logged.Digest)
            throw new TortureFailure($"slot {slot}: the API reports {booted.ImageDigest}, the log recorded {Short(logged.Digest)}");
        using var image = ImageFile.Open(diskPath);
        var measured = new SlotReader().Measure(TalosLayout.OpenPartition(image, slot == Slot.A ? "BOOT-A" : "BOOT-B"));
        if (!measured.IsValid || measured.ContentDigest != "sha256:" + logged.Digest)
            throw new TortureFailure($"slot {slot} on disk measures {measured.ContentDigest ?? measured.Reason}, the log recorded {Short(logged.Digest)}");
    }

    private static string Short(string d) => d.Length == 0 ? "none" : d[..Math.Min(12, d.Length)];
}
