using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Tests.Gpt;

internal static class GptTestData
{
    public static readonly Guid DiskGuid = new("11111111-2222-4333-8444-555555555555");
    public static readonly Guid Bios = new("21686148-6449-6E6F-744E-656564454649");
    public static readonly Guid Linux = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
    public static readonly Guid Efi = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    /// <summary>A 4 MiB disk with two partitions: BIOS (legacy bootable) and DATA.</summary>
    public static GptTable Small(int sectorSize = 512)
    {
        var align = (1 << 20) / sectorSize;
        return GptTable.ForDisk((4 << 20) / sectorSize, sectorSize, DiskGuid,
        [
            new GptPartition(1, Bios, new Guid("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"), align, 2L * align - 1, GptPartition.LegacyBiosBootable, "BIOS"),
            new GptPartition(2, Linux, new Guid("12345678-9ABC-4DEF-8123-456789ABCDEF"), 2L * align, 3L * align - 1, 0, "DATA"),
        ]);
    }

    public static MemoryBlockDevice Disk(GptTable t, int sectorSize = 512, long bytes = 4 << 20)
    {
        var d = new MemoryBlockDevice(bytes, sectorSize);
        GptDisk.Write(d, t);
        return d;
    }
}
