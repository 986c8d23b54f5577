using Talos.Core.Errors;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Layout;

public static partial class TalosLayout
{
    /// <summary>
    /// Compares the disk with the layout planned for its size and lists every discrepancy (empty = the disk matches).
    /// Reads only. A disk without a readable GPT yields one <see cref="DiscrepancyKind.NoPartitionTable"/> entry.
    /// </summary>
    public static IReadOnlyList<LayoutDiscrepancy> Check(IBlockDevice device, IReadOnlyList<LayoutEntry>? table = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        var found = new List<LayoutDiscrepancy>();
        GptReadResult gpt;
        try
        {
            gpt = GptDisk.Read(device);
        }
        catch (TalosException e)
        {
            return [new LayoutDiscrepancy(DiscrepancyKind.NoPartitionTable, "", e.Message)];
        }
        if (gpt.NeedsRepair) found.Add(new(DiscrepancyKind.TableNeedsRepair, "", string.Join("; ", gpt.Problems)));
        var plan = Plan(device.Length, device.SectorSize, table);
        var align = MiB / device.SectorSize;
        foreach (var want in plan)
        {
            var matches = gpt.Table.Partitions.Where(p => p.Name == want.Label).ToList();
            if (matches.Count == 0) { found.Add(new(DiscrepancyKind.MissingPartition, want.Label, $"expected at LBA {want.FirstLba}-{want.LastLba}")); continue; }
            if (matches.Count > 1) { found.Add(new(DiscrepancyKind.DuplicateLabel, want.Label, $"on partitions {string.Join(", ", matches.Select(m => m.Number))}")); continue; }
            CompareOne(want, matches[0], align, found);
        }
        foreach (var extra in gpt.Table.Partitions.Where(p => plan.All(w => w.Label != p.Name)))
            found.Add(new(DiscrepancyKind.UnexpectedPartition, extra.Name, $"partition {extra.Number} at LBA {extra.FirstLba}-{extra.LastLba} is not in the layout"));
        return found;
    }

    private static void CompareOne(PlannedPartition want, GptPartition got, long align, List<LayoutDiscrepancy> found)
    {
        if (got.Number != want.Number) found.Add(new(DiscrepancyKind.WrongNumber, want.Label, $"expected partition {want.Number}, found {got.Number}"));
        if (got.TypeGuid != want.TypeGuid) found.Add(new(DiscrepancyKind.WrongType, want.Label, $"expected type {want.TypeGuid:D}, found {got.TypeGuid:D}"));
        if (got.FirstLba != want.FirstLba || got.LastLba != want.LastLba)
            found.Add(new(DiscrepancyKind.WrongExtent, want.Label, $"expected LBA {want.FirstLba}-{want.LastLba}, found {got.FirstLba}-{got.LastLba}"));
        if (got.FirstLba % align != 0 || (got.LastLba + 1) % align != 0)
            found.Add(new(DiscrepancyKind.Misaligned, want.Label, $"LBA {got.FirstLba}-{got.LastLba} is not on the 1 MiB grid ({align} sectors)"));
        if (got.Attributes != want.Attributes) found.Add(new(DiscrepancyKind.WrongAttributes, want.Label, $"expected attributes 0x{want.Attributes:X}, found 0x{got.Attributes:X}"));
    }
}
