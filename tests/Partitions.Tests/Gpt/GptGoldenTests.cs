using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Tests.Gpt;

/// <summary>
/// Exact bytes of MBR, header and entry for a fixed table. The expected hex was produced by sgdisk 1.0.9 for the same
/// table (`sgdisk -o -U 11111111-2222-4333-8444-555555555555 -n 1:2048:4095 -t 1:EF02 -c 1:BIOS
/// -u 1:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE -A 1:set:2` on a 4 MiB file), so it is an independent oracle.
/// </summary>
public sealed class GptGoldenTests
{
    private static GptTable OnePartition() => GptTable.ForDisk(8192, 512, GptTestData.DiskGuid,
        [new GptPartition(1, GptTestData.Bios, new Guid("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"), 2048, 4095, GptPartition.LegacyBiosBootable, "BIOS")]);

    private static string Hex(MemoryBlockDevice d, int offset, int count) => Convert.ToHexString(d.Bytes.Slice(offset, count)).ToLowerInvariant();

    [Fact]
    public void ProtectiveMbrMatchesSgdisk()
    {
        var d = GptTestData.Disk(OnePartition());
        Assert.Equal("00000200ee82020001000000ff1f0000", Hex(d, 446, 16));
        Assert.Equal("55aa", Hex(d, 510, 2));
        Assert.Equal(new string('0', 892), Hex(d, 0, 446)); // no boot code
    }

    [Fact]
    public void PrimaryHeaderMatchesSgdisk()
    {
        var d = GptTestData.Disk(OnePartition());
        Assert.Equal(
            "4546492050415254" + "00000100" + "5c000000" + "e75d4719" + "00000000" + "0100000000000000" + "ff1f000000000000"
            + "2200000000000000" + "de1f000000000000" + "1111111122223343" + "8444555555555555" + "0200000000000000"
            + "80000000" + "80000000" + "c2e432c1",
            Hex(d, 512, 92));
        Assert.Equal(new string('0', 2 * 420), Hex(d, 512 + 92, 420)); // reserved rest of the sector
    }

    [Fact]
    public void EntryMatchesSgdisk()
    {
        var d = GptTestData.Disk(OnePartition());
        Assert.Equal(
            "4861682149646f6e744e656564454649" + "aaaaaaaabbbbcc4c8dddeeeeeeeeeeee" + "0008000000000000" + "ff0f000000000000"
            + "0400000000000000" + "420049004f005300" + new string('0', 2 * 64),
            Hex(d, 1024, 128));
    }

    [Fact]
    public void BackupHeaderPointsBackAtThePrimaryAndItsEntriesBeforeIt()
    {
        var d = GptTestData.Disk(OnePartition());
        var backup = 8191 * 512;
        Assert.Equal("ff1f000000000000" + "0100000000000000", Hex(d, backup + 24, 16)); // MyLBA 8191, AlternateLBA 1
        Assert.Equal("df1f000000000000", Hex(d, backup + 72, 8)); // entries at LBA 8159 = 8191 - 32
        Assert.Equal(Hex(d, 1024, 128 * 128), Hex(d, 8159 * 512, 128 * 128));
    }

    [Fact]
    public void WholeGptAreasAreByteIdenticalToWhatSgdiskWrites()
    {
        var dir = Directory.CreateTempSubdirectory("talos-golden-").FullName;
        try
        {
            var img = Path.Combine(dir, "sgdisk.img");
            File.WriteAllBytes(img, new byte[4 << 20]);
            Tools.Run("sgdisk", "-o", "-U", GptTestData.DiskGuid.ToString(), "-n", "1:2048:4095", "-t", "1:EF02", "-c", "1:BIOS",
                "-u", "1:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", "-A", "1:set:2", img);
            var theirs = File.ReadAllBytes(img);
            var ours = GptTestData.Disk(OnePartition()).Bytes.ToArray();
            Assert.Equal(Convert.ToHexString(theirs.AsSpan(0, 34 * 512)), Convert.ToHexString(ours.AsSpan(0, 34 * 512)));
            Assert.Equal(Convert.ToHexString(theirs.AsSpan(8159 * 512)), Convert.ToHexString(ours.AsSpan(8159 * 512)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
