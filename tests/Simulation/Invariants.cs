using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.State;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Upgrade.Slots;

namespace Talos.Simulation.Tests;

/// <summary>A broken invariant, numbered as in ARCHITECTURE.md (1–7).</summary>
public sealed class InvariantViolation(int number, string message) : Exception($"invariant {number} violated: {message}")
{
    public int Number { get; } = number;
}

/// <summary>What META holds after a crash: its records (after the checkpoint's compaction) and its last sequence.</summary>
public sealed record RecoveredLog(IReadOnlyList<LogRecord> Records, ulong LastSequence)
{
    /// <summary>No log on the disk.</summary>
    public static readonly RecoveredLog None = new([], 0);
}

/// <summary>What the node looked like before an operation (what "old" means in invariants 2, 3 and 5).</summary>
public sealed record Before(Slot? ConfirmedSlot, string? ConfirmedDigest, string DigestA, string DigestB, string? Config, string? StagedConfig, bool Installed)
{
    /// <summary>While a try-mode config is active: the persisted one it reverts to (what STATE holds).</summary>
    public string? TryPrevious { get; init; }

    public static Before Of(SimNode n)
    {
        var s = n.Runtime.State;
        Slot? confirmed = s.BootedSlot is Slot.A or Slot.B && s.SlotOf(s.BootedSlot).Successful ? s.BootedSlot : null;
        return new Before(confirmed, confirmed is { } c ? s.SlotOf(c).Digest : null, s.SlotA.Digest, s.SlotB.Digest,
            n.Runtime.Stage == NodeStage.Unknown ? n.LastConfig : n.Runtime.Config?.Digest, s.StagedConfigDigest.Length > 0 ? s.StagedConfigDigest : null, s.Installed)
        {
            TryPrevious = s.TryPreviousConfigDigest.Length > 0 ? s.TryPreviousConfigDigest : null,
        };
    }
}

/// <summary>
/// The checkers (STYLE.md 10), each numbered after the ARCHITECTURE.md invariant it defends. Every call counts in
/// <see cref="SimReport"/>; a failure throws <see cref="InvariantViolation"/>.
/// </summary>
public static class Invariants
{
    /// <summary>1: the booted slot's measured content equals the digest recorded for it (and the one measured at boot).</summary>
    public static void SlotDigest(SimNode n, SimReport r)
    {
        r.Checked(1);
        if (n.Runtime.Booted is not { } b) return;
        var measured = Measure(n.Disk, b.Slot);
        var recorded = n.Runtime.State.SlotOf(b.Slot).Digest;
        if (measured != recorded || b.Digest != recorded)
            throw new InvariantViolation(1, $"booted slot {b.Slot}: measured {measured ?? "invalid"}, recorded {recorded}, at boot {b.Digest}");
    }

    /// <summary>2: the slot that was confirmed and running before the operation still holds exactly its image.</summary>
    public static void ConfirmedSlotUntouched(Before before, IBlockDevice disk, SimReport r)
    {
        r.Checked(2);
        if (before.ConfirmedSlot is not { } s) return;
        var measured = Measure(disk, s);
        if (measured != before.ConfirmedDigest)
            throw new InvariantViolation(2, $"confirmed slot {s} was written: it held {before.ConfirmedDigest}, now {measured ?? "invalid"}");
    }

    /// <summary>
    /// 2 (from the log): no ImageWrittenToSlot targets the slot that was booted and confirmed at that point. The log's
    /// events are folded from <paramref name="start"/> (the checkpoint's state: the records before it are compacted).
    /// </summary>
    public static void NoWriteToConfirmedInLog(IReadOnlyList<NodeEvent> events, SimReport r, NodeState? start = null)
    {
        r.Checked(2);
        var state = start ?? NodeState.Initial;
        foreach (var e in events)
        {
            if (e.Sequence <= state.LastSequence) continue;   // carried over for the mirror: already in the checkpoint
            if (e.PayloadCase == NodeEvent.PayloadOneofCase.ImageWrittenToSlot && state.BootedSlot == e.ImageWrittenToSlot.Slot
                && state.SlotOf(state.BootedSlot).Successful)
                throw new InvariantViolation(2, $"event {e.Sequence} wrote an image to the confirmed running slot {e.ImageWrittenToSlot.Slot}");
            state = NodeState.Apply(state, e);
        }
    }

    /// <summary>
    /// 3: a node that had a confirmed image boots a slot again, holding the old confirmed image or the new one; a node
    /// that settles in Running runs a confirmed slot; an image that cannot pass the health gate is never confirmed.
    /// </summary>
    public static void BootsOldOrNew(Before before, SimOp op, SimNode n, SimReport r)
    {
        r.Checked(3);
        var rt = n.Runtime;
        if (rt.Stage == NodeStage.Unknown && n.PoweredOff) return;   // shut down on purpose
        if (before.ConfirmedDigest is not null && rt.Booted is null)
            throw new InvariantViolation(3, $"the node had confirmed slot {before.ConfirmedSlot} and now boots nothing (stage {rt.Stage}): {Tail(rt)}");
        if (rt.Booted is not { } b) return;
        var allowed = new HashSet<string>(StringComparer.Ordinal) { before.DigestA, before.DigestB };
        if (op.Image is { } img && n.ImageDigests.TryGetValue(img, out var d)) allowed.Add(d);
        if (before.Installed && !allowed.Contains(b.Digest))
            throw new InvariantViolation(3, $"booted {b.Slot} ({b.Version}, {b.Digest[..12]}) is neither the old images nor the new one");
        if (rt.Stage == NodeStage.Running && !rt.State.SlotOf(b.Slot).Successful)
            throw new InvariantViolation(3, $"the node settled Running on unconfirmed slot {b.Slot}");
        if (rt.State.SlotOf(b.Slot).Successful && b.Profile != "healthy")
            throw new InvariantViolation(3, $"slot {b.Slot} holds a faulty image ({b.Profile}) and was confirmed");
    }

    /// <summary>4: the recovered log is a prefix-extension of the acknowledged one: every acknowledged event survives, byte for byte.</summary>
    public static void LogPrefix(SimNode n, RecoveredLog log, SimReport r)
    {
        r.Checked(4);
        var recovered = log.Records;
        for (var i = 1; i < recovered.Count; i++)
            if (recovered[i].Sequence != recovered[i - 1].Sequence + 1)
                throw new InvariantViolation(4, $"recovered log has a gap: {recovered[i - 1].Sequence} then {recovered[i].Sequence}");
        if (!n.AckedAreDurable || n.Acked.Count == 0) return;
        var first = recovered.Count > 0 ? recovered[0].Sequence : ulong.MaxValue;
        var last = log.LastSequence;   // a checkpoint may have compacted every record: its sequence is the end
        var maxAcked = n.Acked.Keys.Max();
        if (last < maxAcked)
            throw new InvariantViolation(4, $"acknowledged event {maxAcked} lost: the recovered log ends at {last} (last acknowledged: "
                + string.Join(", ", n.Acked.Reverse().Take(6).Select(kv => $"{kv.Key} {Describe(EventCodec.Decode(kv.Value))}")) + ")");
        foreach (var (seq, bytes) in n.Acked)
        {
            if (seq < first) continue;   // compacted into the checkpoint
            var rec = recovered[(int)(seq - first)];
            if (!rec.Payload.Span.SequenceEqual(bytes))
                throw new InvariantViolation(4, $"event {seq} differs after recovery ({EventCodec.Decode(rec.Payload.Span, rec.EventType).PayloadCase} vs acknowledged {EventCodec.Decode(bytes).PayloadCase})");
        }
    }

    /// <summary>5: the config the node runs with after a crash is the old one, the new one, or none where the operation removes it.</summary>
    public static void ConfigOldOrNew(Before before, SimOp op, SimNode n, bool crashed, SimReport r)
    {
        r.Checked(5);
        var now = n.Runtime.Config?.Digest;
        if (n.Runtime.Stage == NodeStage.Unknown) return;
        if (!crashed && op.Kind == "reset" && op.Completed)
        {
            // The reset reboots: a staged config is applied and a try-mode config reverts to the persisted one.
            var expect = op.WipesConfig ? null : before.StagedConfig ?? before.TryPrevious ?? before.Config;
            if (now != expect) throw new InvariantViolation(5, $"after {op}: config {Short(now)}, expected {Short(expect)}");
            return;
        }
        var allowed = new HashSet<string?> { before.Config, before.StagedConfig, before.TryPrevious, op.NewConfig };
        if (op.WipesConfig || !before.Installed) allowed.Add(null);
        if (!allowed.Contains(now))
            throw new InvariantViolation(5, $"after {op}{(crashed ? " + crash" : "")}: config {Short(now)} is none of {string.Join(", ", allowed.Select(Short))}");
    }

    /// <summary>6: the fold of what META holds on disk equals the runtime's state.</summary>
    public static void FoldEqualsState(SimNode n, SimReport r, EventMemo? memo = null)
    {
        r.Checked(6);
        if (n.Runtime.Journal.Log is null) return;
        using var log = MetaLog.OpenReadOnly(TalosLayout.OpenPartition(n.Disk, "META"));
        var folded = memo is null ? NodeJournal.Fold(log) : memo.Fold(log);
        if (folded.Hash != n.Runtime.State.Hash)
            throw new InvariantViolation(6, $"fold of META {folded.Hash[..12]} (seq {folded.LastSequence}) != runtime state {n.Runtime.State.Hash[..12]} (seq {n.Runtime.State.LastSequence})");
        // The fold also says whether the node waits in maintenance mode (nothing booted, or a booted slot without config).
        if (n.Runtime.Stage is NodeStage.Running or NodeStage.Maintenance && (n.Runtime.Stage == NodeStage.Maintenance) != folded.InMaintenance)
            throw new InvariantViolation(6, $"the node is {n.Runtime.Stage} but the fold of META says in maintenance = {folded.InMaintenance}");
    }

    /// <summary>7: the fold recorded no anomaly (an event that does not fit the state means a broken invariant somewhere).</summary>
    public static void NoAnomalies(SimNode n, SimReport r)
    {
        r.Checked(7);
        var s = n.Runtime.State;
        if (s.AnomalyCount > 0)
            throw new InvariantViolation(7, $"{s.AnomalyCount} anomalies: " + string.Join("; ", s.Anomalies.Select(a => $"#{a.Sequence} {a.Message}")));
    }

    /// <summary>The records of META on <paramref name="disk"/> and its last sequence (none when the disk has no Talos layout or no log).</summary>
    public static RecoveredLog ReadLog(IBlockDevice disk)
    {
        SubDevice meta;
        try { meta = TalosLayout.OpenPartition(disk, "META"); }
        catch (Exception) { return RecoveredLog.None; }
        try
        {
            using var log = MetaLog.OpenReadOnly(meta);
            if (log.LastSequence == 0 || log.LastSequence < log.FirstSequence) return new RecoveredLog([], log.LastSequence);
            return new RecoveredLog(log.ReadFrom(log.FirstSequence).Select(x => x with { Payload = x.Payload.ToArray() }).ToList(), log.LastSequence);
        }
        catch (Talos.Core.Errors.TalosException) { return RecoveredLog.None; }
    }

    private static string? Measure(IBlockDevice disk, Slot slot)
    {
        var m = new SlotReader().Measure(TalosLayout.OpenPartition(disk, slot == Slot.A ? "BOOT-A" : "BOOT-B"));
        return m.IsValid ? m.ContentDigest!.Replace("sha256:", "", StringComparison.Ordinal) : null;
    }

    private static string Describe(NodeEvent e) => e.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.TaskStarted => $"TaskStarted {e.TaskStarted.Task}",
        NodeEvent.PayloadOneofCase.TaskCompleted => $"TaskCompleted {e.TaskCompleted.Task}",
        NodeEvent.PayloadOneofCase.SequenceStarted => $"SequenceStarted {e.SequenceStarted.Sequence}",
        _ => e.PayloadCase.ToString(),
    };

    private static string Short(string? digest) => digest is null ? "none" : digest[..Math.Min(12, digest.Length)];

    private static string Tail(NodeRuntime rt) => string.Join(" | ", rt.Kernel.Ring.Tail(6));
}
