namespace Talos.Partitions.Gpt;

/// <summary>One used entry of the GPT partition entry array (entry layout: specs/formats/gpt.md).</summary>
/// <param name="Number">1-based entry number (entry index + 1), as sgdisk and the kernel number partitions.</param>
/// <param name="TypeGuid">Partition type GUID (never <see cref="Guid.Empty"/>: that marks an unused entry).</param>
/// <param name="PartitionGuid">Unique partition GUID.</param>
/// <param name="FirstLba">First sector (inclusive).</param>
/// <param name="LastLba">Last sector (inclusive).</param>
/// <param name="Attributes">Attribute bits; see <see cref="LegacyBiosBootable"/>.</param>
/// <param name="Name">Partition name (label), at most 36 UTF-16 code units.</param>
public sealed record GptPartition(int Number, Guid TypeGuid, Guid PartitionGuid, long FirstLba, long LastLba, ulong Attributes, string Name)
{
    /// <summary>Attribute bit 0: required by the platform.</summary>
    public const ulong RequiredPartition = 1UL << 0;

    /// <summary>Attribute bit 2: legacy BIOS bootable (set on Talos's BIOS partition).</summary>
    public const ulong LegacyBiosBootable = 1UL << 2;

    /// <summary>Maximum name length in UTF-16 code units (72 bytes).</summary>
    public const int MaxNameLength = 36;

    /// <summary>Number of sectors.</summary>
    public long SectorCount => LastLba - FirstLba + 1;
}
