using Talos.Core.Errors;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Layout;

/// <summary>
/// The Talos system-disk layout (specs/layout.md, issue #3): EFI, BIOS, BOOT-A, BOOT-B, META, STATE, EPHEMERAL in that
/// GPT order, every start and end on a 1 MiB grid, sizes from <see cref="Default"/> scaled down on small disks.
/// </summary>
public static partial class TalosLayout
{
    /// <summary>One MiB: the alignment grid and the unit of the size table.</summary>
    public const long MiB = 1L << 20;

    /// <summary>
    /// The layout table. Sizes in MiB on a full-size disk. BIOS and META never scale (BIOS is exactly 1 MiB as upstream;
    /// META holds the event log, whose tests need its full size). EPHEMERAL takes the rest.
    /// </summary>
    public static IReadOnlyList<LayoutEntry> Default { get; } =
    [
        new("EFI", PartitionTypes.EfiSystem, 100, Scales: true, 0),
        new("BIOS", PartitionTypes.BiosBoot, 1, Scales: false, GptPartition.LegacyBiosBootable),
        new("BOOT-A", PartitionTypes.LinuxFilesystem, 1000, Scales: true, 0),
        new("BOOT-B", PartitionTypes.LinuxFilesystem, 1000, Scales: true, 0),
        new("META", PartitionTypes.LinuxFilesystem, 4, Scales: false, 0),
        new("STATE", PartitionTypes.LinuxFilesystem, 100, Scales: true, 0),
        new("EPHEMERAL", PartitionTypes.LinuxFilesystem, 2048, Scales: true, 0, Grows: true),
    ];

    /// <summary>
    /// Where each partition goes on a disk of <paramref name="diskBytes"/>. Available = whole MiB between the first MiB
    /// (MBR, primary GPT, alignment) and the backup GPT. If the table's full sizes fit, they are used and the growing
    /// partition takes the rest. Otherwise each scaling partition gets max(1, floor(default × s)) MiB with
    /// s = (available − fixed) / (sum of scaling defaults), and the growing partition takes what is left.
    /// </summary>
    public static IReadOnlyList<PlannedPartition> Plan(long diskBytes, int sectorSize, IReadOnlyList<LayoutEntry>? table = null)
    {
        table ??= Default;
        CheckTable(table);
        var align = MiB / sectorSize;
        var sectors = diskBytes / sectorSize;
        var lastUsable = sectors - 2 - GptTable.EntryArraySectors(GptTable.StandardEntryCount, sectorSize);
        var available = (lastUsable + 1) / align - 1;
        var fixedMiB = table.Where(e => !e.Scales).Sum(e => e.DefaultMiB);
        var scalingMiB = table.Where(e => e.Scales).Sum(e => e.DefaultMiB);
        var minimum = fixedMiB + table.Count(e => e.Scales);
        if (available < minimum) throw new DiskTooSmallException(diskBytes, (minimum + 2) * MiB, "the Talos layout (every partition at least 1 MiB)");
        var full = available >= fixedMiB + scalingMiB;
        var s = full ? 1.0 : (double)(available - fixedMiB) / scalingMiB;
        var sizes = table.Select(e => e.Grows ? 0 : e.Scales && !full ? Math.Max(1, (long)Math.Floor(e.DefaultMiB * s)) : e.DefaultMiB).ToArray();
        var growIndex = table.Select((e, i) => (e, i)).Single(x => x.e.Grows).i;
        sizes[growIndex] = available - sizes.Sum();
        if (sizes[growIndex] < 1) throw new DiskTooSmallException(diskBytes, (minimum + 2) * MiB, "the Talos layout");
        var plan = new List<PlannedPartition>(table.Count);
        var start = align;
        for (var i = 0; i < table.Count; i++)
        {
            var last = start + sizes[i] * align - 1;
            plan.Add(new PlannedPartition(i + 1, table[i].Label, table[i].TypeGuid, start, last, table[i].Attributes));
            start = last + 1;
        }
        return plan;
    }

    /// <summary>
    /// Lays the layout out on a blank disk (no GPT, or a GPT without partitions): disk GUID first, then one partition GUID
    /// per row, all from <paramref name="guids"/>. Refuses any other disk with <see cref="DiskNotBlankException"/> unless
    /// <paramref name="force"/>. Writes only the partition table (partition contents are left as they are).
    /// </summary>
    public static GptTable LayOut(IBlockDevice device, IGuidSource guids, bool force = false, IReadOnlyList<LayoutEntry>? table = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(guids);
        var plan = Plan(device.Length, device.SectorSize, table); // size errors before any write
        if (!force) EnsureBlank(device);
        var diskGuid = guids.Next();
        var parts = plan.Select(p => new GptPartition(p.Number, p.TypeGuid, guids.Next(), p.FirstLba, p.LastLba, p.Attributes, p.Label)).ToList();
        var gpt = GptTable.ForDisk(device.Length / device.SectorSize, device.SectorSize, diskGuid, parts);
        GptDisk.Write(device, gpt);
        return gpt;
    }

    /// <summary>A view of the partition labelled <paramref name="label"/> (e.g. "META"); the other layers open partitions this way.</summary>
    public static SubDevice OpenPartition(IBlockDevice device, string label)
    {
        var gpt = GptDisk.Read(device).Table;
        var matches = gpt.Partitions.Where(p => p.Name == label).ToList();
        return matches.Count switch
        {
            0 => throw new PartitionNotFoundException(label, gpt.Partitions.Select(p => p.Name)),
            1 => GptDisk.OpenPartition(device, matches[0]),
            _ => throw new AmbiguousPartitionLabelException(label, matches.Select(p => p.Number)),
        };
    }

    private static void EnsureBlank(IBlockDevice device)
    {
        GptReadResult found;
        try
        {
            found = GptDisk.Read(device);
        }
        catch (GptNotFoundException)
        {
            return;
        }
        catch (TalosException e) when (e is not DiskTooSmallException)
        {
            throw new DiskNotBlankException($"it has a damaged GPT ({e.Message})");
        }
        if (found.Table.Partitions.Count > 0)
            throw new DiskNotBlankException($"it has a GPT with {found.Table.Partitions.Count} partition(s): {string.Join(", ", found.Table.Partitions.Select(p => p.Name))}");
    }

    private static void CheckTable(IReadOnlyList<LayoutEntry> table)
    {
        if (table.Count == 0 || table.Count > GptTable.StandardEntryCount) throw new ArgumentException($"a layout needs 1..{GptTable.StandardEntryCount} rows", nameof(table));
        if (table.Count(e => e.Grows) != 1) throw new ArgumentException("exactly one row must grow to the end of the disk", nameof(table));
        if (table.Select(e => e.Label).Distinct(StringComparer.Ordinal).Count() != table.Count) throw new ArgumentException("labels must be unique", nameof(table));
        foreach (var e in table)
        {
            if (e.DefaultMiB < 1) throw new ArgumentException($"{e.Label}: size must be at least 1 MiB", nameof(table));
            if (e.Label.Length is 0 or > GptPartition.MaxNameLength) throw new ArgumentException($"label \"{e.Label}\" must be 1..{GptPartition.MaxNameLength} characters", nameof(table));
        }
    }
}
