using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.State;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Machined.Runtime;

/// <summary>
/// The node's system disk: the GPT layout and the partitions every layer writes through. A disk without a valid
/// Talos layout is blank (the node boots into maintenance mode, as from the ISO).
/// </summary>
public sealed class NodeDisk(IBlockDevice device, string name, int metaSizeMiB = 4, int metaCheckpointEveryRecords = NodeDisk.DefaultMetaCheckpointEveryRecords)
{
    /// <summary>The whole disk.</summary>
    public IBlockDevice Device { get; } = device;

    /// <summary>Display name (path of the image file or device).</summary>
    public string Name { get; } = name;

    /// <summary>True when the disk carries a readable GPT with every Talos partition.</summary>
    public bool IsLaidOut(out string why)
    {
        var problems = TalosLayout.Check(Device)
            .Where(d => d.Kind is DiscrepancyKind.NoPartitionTable or DiscrepancyKind.MissingPartition or DiscrepancyKind.DuplicateLabel)
            .ToList();
        why = problems.Count == 0 ? "" : string.Join("; ", problems.Select(p => $"{p.Kind} {p.Label} {p.Detail}".Trim()));
        return problems.Count == 0;
    }

    /// <summary>Repairs a GPT whose primary or backup copy is damaged (reported by the check), before use.</summary>
    public bool RepairIfNeeded()
    {
        try
        {
            var r = GptDisk.Read(Device);
            if (!r.NeedsRepair) return false;
            GptDisk.Repair(Device);
            return true;
        }
        catch (TalosException) { return false; }
    }

    /// <summary>Lays out the Talos partitions (overwriting any table: install wipes the system disk).</summary>
    public GptTable LayOut(IGuidSource guids) => TalosLayout.LayOut(Device, guids, force: true, Table);

    /// <summary>
    /// Wipes (fast, see <see cref="Wipe(string, bool)"/>) META, STATE and EPHEMERAL where the table <see cref="LayOut"/>
    /// writes will put them, before that table exists, and flushes. Why: the layout of a disk size never changes, so a
    /// reinstall over an old Talos disk whose table was zeroed (the compensation of an interrupted install) gives the
    /// partitions the same places; a power loss between the new table and <c>formatPartitions</c> then brought the old
    /// META and STATE back, and the node booted an abandoned history with a config nobody had applied since
    /// (simulation seeds 303 and 842).
    /// </summary>
    public long WipePlannedContents()
    {
        long written = 0;
        foreach (var p in TalosLayout.Plan(Device.Length, Device.SectorSize, Table).Where(p => p.Label is "META" or "STATE" or "EPHEMERAL"))
            written += Wipe(p.Label, new SubDevice(Device, p.FirstLba * Device.SectorSize, p.SectorCount * Device.SectorSize), full: false);
        return written;
    }

    /// <summary>The size in bytes the layout gives partition <paramref name="label"/> on this disk (laid out or not).</summary>
    public long PlannedBytes(string label) =>
        TalosLayout.Plan(Device.Length, Device.SectorSize, Table).Single(p => p.Label == label).SectorCount * Device.SectorSize;

    private IReadOnlyList<LayoutEntry>? Table =>
        metaSizeMiB == 4 ? null : TalosLayout.Default.Select(e => e.Label == "META" ? e with { DefaultMiB = metaSizeMiB } : e).ToList();

    /// <summary>A partition by label.</summary>
    public SubDevice Partition(string label) => TalosLayout.OpenPartition(Device, label);

    /// <summary>The BOOT partition of a slot.</summary>
    public SubDevice Slot(Slot slot) => Partition(slot == Talos.Api.Events.Slot.A ? "BOOT-A" : "BOOT-B");

    /// <summary>
    /// The node's default record-count checkpoint (<see cref="NodeRuntimeOptions.MetaCheckpointEveryRecords"/>): every
    /// power-on scans and folds at most about this many records instead of 3/4 of the region (thousands), and the events
    /// API still serves at least half of it (1,024 events; upstream keeps a 1,000-event ring in memory).
    /// </summary>
    public const int DefaultMetaCheckpointEveryRecords = 2048;

    /// <summary>Opens (or creates, on a zeroed partition) the META event log.</summary>
    public MetaLog OpenMeta(Guid nodeId, TimeProvider time, Func<RecoveryReport, LogEntry>? repairEvent, Func<DropReport, LogEntry>? dropEvent = null,
        Action<CheckpointHeader>? checkpointWritten = null) =>
        MetaLog.Open(Partition("META"), new MetaLogOptions
        {
            NodeId = nodeId,
            SnapshotFolder = NodeJournal.FoldSnapshot,
            CheckpointEveryRecords = metaCheckpointEveryRecords,
            // A sequence still running at a checkpoint keeps its records: crash recovery finds it by its SequenceStarted.
            RetainFrom = snapshot => NodeState.FromSnapshot(snapshot).Running?.StartedAt ?? 0,
            RepairEventFactory = repairEvent,
            DropEventFactory = dropEvent,
            CheckpointWritten = checkpointWritten,
        }, time);

    /// <summary>Opens the STATE store (machine config and PKI).</summary>
    public StateStore OpenState() => StateStore.Open(Partition("STATE"));

    /// <summary>Opens the EPHEMERAL store (/var: etcd data, service data).</summary>
    public StateStore OpenEphemeral() => StateStore.Open(Partition("EPHEMERAL"));

    /// <summary>
    /// Wipes a partition and flushes. Fast: the record headers of the store kept there (STATE and EPHEMERAL hold
    /// crash-safe stores whose headers <see cref="StateStore.WipeHeaders"/> knows), or the first MiB of any other
    /// partition. Full: every byte is zeroed. Returns the bytes written.
    /// </summary>
    public long Wipe(string label, bool full) => Wipe(label, Partition(label), full);

    private static long Wipe(string label, SubDevice p, bool full)
    {
        if (!full && label is "STATE" or "EPHEMERAL")
        {
            using var store = StateStore.Open(p);
            store.WipeHeaders();
            return 2 * p.SectorSize;
        }
        var chunk = new byte[Math.Min(1 << 20, p.Length)];
        var end = full ? p.Length : chunk.Length;
        long written = 0;
        for (var off = 0L; off < end; off += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, end - off);
            p.Write(off, chunk.AsSpan(0, n));
            written += n;
        }
        p.Flush();
        return written;
    }
}
