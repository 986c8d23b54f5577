namespace Talos.Partitions.Layout;

/// <summary>GPT partition type GUIDs used by the Talos layout (research/talos-internals.md §2.1).</summary>
public static class PartitionTypes
{
    /// <summary>EFI System Partition.</summary>
    public static readonly Guid EfiSystem = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    /// <summary>BIOS boot partition (GRUB core.img on legacy BIOS).</summary>
    public static readonly Guid BiosBoot = new("21686148-6449-6E6F-744E-656564454649");

    /// <summary>Linux filesystem data: upstream uses it for BOOT, META, STATE and EPHEMERAL.</summary>
    public static readonly Guid LinuxFilesystem = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
}
