namespace Talos.Partitions.Layout;

/// <summary>One row of the layout table.</summary>
/// <param name="Label">GPT partition name (upstream's label).</param>
/// <param name="TypeGuid">GPT type GUID.</param>
/// <param name="DefaultMiB">Size on a full-size disk, in MiB (for the growing partition: its minimum on a full-size disk).</param>
/// <param name="Scales">True when the size shrinks on small disks (see <see cref="TalosLayout.Plan"/>); false keeps it fixed.</param>
/// <param name="Attributes">GPT attribute bits.</param>
/// <param name="Grows">True for the one partition that takes the rest of the disk.</param>
public sealed record LayoutEntry(string Label, Guid TypeGuid, long DefaultMiB, bool Scales, ulong Attributes, bool Grows = false);

/// <summary>Where one partition of the layout goes on a given disk.</summary>
/// <param name="Number">GPT entry number (1-based; the table order).</param>
/// <param name="Label">Partition name.</param>
/// <param name="TypeGuid">Type GUID.</param>
/// <param name="FirstLba">First sector.</param>
/// <param name="LastLba">Last sector (inclusive).</param>
/// <param name="Attributes">Attribute bits.</param>
public sealed record PlannedPartition(int Number, string Label, Guid TypeGuid, long FirstLba, long LastLba, ulong Attributes)
{
    /// <summary>Size in sectors.</summary>
    public long SectorCount => LastLba - FirstLba + 1;
}

/// <summary>Kinds of difference between a disk and the layout.</summary>
public enum DiscrepancyKind
{
    /// <summary>The disk has no readable GPT (the detail says why).</summary>
    NoPartitionTable,
    /// <summary>One GPT copy or the protective MBR is damaged, stale or misplaced (GptDisk.Repair fixes it).</summary>
    TableNeedsRepair,
    /// <summary>A layout label is not on the disk.</summary>
    MissingPartition,
    /// <summary>A label appears more than once.</summary>
    DuplicateLabel,
    /// <summary>A partition that the layout does not have.</summary>
    UnexpectedPartition,
    /// <summary>Wrong GPT entry number (order).</summary>
    WrongNumber,
    /// <summary>Wrong type GUID.</summary>
    WrongType,
    /// <summary>Wrong first or last sector.</summary>
    WrongExtent,
    /// <summary>Start or end not on the 1 MiB grid.</summary>
    Misaligned,
    /// <summary>Wrong attribute bits.</summary>
    WrongAttributes,
}

/// <summary>One difference found by <see cref="TalosLayout.Check"/>.</summary>
/// <param name="Kind">What kind of difference.</param>
/// <param name="Label">The partition concerned (empty for whole-disk problems).</param>
/// <param name="Detail">Expected vs actual, in words.</param>
public sealed record LayoutDiscrepancy(DiscrepancyKind Kind, string Label, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Label}: {Detail}";
}
