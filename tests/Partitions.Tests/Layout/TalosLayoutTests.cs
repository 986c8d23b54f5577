using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;

namespace Talos.Partitions.Tests.Layout;

public sealed class TalosLayoutTests
{
    private const long MiB = 1 << 20;
    private static readonly string[] Labels = ["EFI", "BIOS", "BOOT-A", "BOOT-B", "META", "STATE", "EPHEMERAL"];

    [Theory]
    [InlineData(64, 512, new long[] { 1, 1, 13, 13, 4, 1, 29 })]
    [InlineData(256, 512, new long[] { 5, 1, 58, 58, 4, 5, 123 })]
    [InlineData(256, 4096, new long[] { 5, 1, 58, 58, 4, 5, 123 })]
    [InlineData(8192, 512, new long[] { 100, 1, 1000, 1000, 4, 100, 5985 })]
    public void PlanScalesSmallDisksAndKeepsFullSizesOnBigOnes(long diskMiB, int ss, long[] expectedMiB)
    {
        var plan = TalosLayout.Plan(diskMiB * MiB, ss);
        Assert.Equal(Labels, plan.Select(p => p.Label));
        Assert.Equal(expectedMiB, plan.Select(p => p.SectorCount * ss / MiB));
        Assert.Equal(MiB / ss, plan[0].FirstLba);
        for (var i = 1; i < plan.Count; i++) Assert.Equal(plan[i - 1].LastLba + 1, plan[i].FirstLba);
        Assert.All(plan, p => Assert.Equal(0, p.FirstLba * ss % MiB));
        Assert.All(plan, p => Assert.Equal(0, (p.LastLba + 1) * ss % MiB));
        Assert.Equal((diskMiB - 1) * MiB / ss - 1, plan[^1].LastLba); // EPHEMERAL ends at the last whole MiB before the backup GPT
    }

    [Fact]
    public void TypeGuidsAndAttributesFollowUpstream()
    {
        var plan = TalosLayout.Plan(64 * MiB, 512);
        Assert.Equal(new Guid("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), plan[0].TypeGuid);
        Assert.Equal(new Guid("21686148-6449-6E6F-744E-656564454649"), plan[1].TypeGuid);
        Assert.All(plan.Skip(2), p => Assert.Equal(new Guid("0FC63DAF-8483-4772-8E79-3D69D8477DE4"), p.TypeGuid));
        Assert.Equal(GptPartition.LegacyBiosBootable, plan[1].Attributes);
        Assert.All(plan.Where(p => p.Label != "BIOS"), p => Assert.Equal(0UL, p.Attributes));
    }

    [Fact]
    public void ADiskTooSmallForTheLayoutIsRefused()
    {
        var ex = Assert.Throws<DiskTooSmallException>(() => TalosLayout.Plan(10 * MiB, 512));
        Assert.Equal(12 * MiB, ex.NeededBytes);
        TalosLayout.Plan(12 * MiB, 512); // the stated minimum works
    }

    [Fact]
    public void LayOutWritesACheckCleanDiskWithSeededGuids()
    {
        var d = new MemoryBlockDevice(64 * MiB);
        var t = TalosLayout.LayOut(d, new SeededGuidSource(42));
        Assert.Empty(TalosLayout.Check(d));
        Assert.Equal(new SeededGuidSource(42).Next(), t.DiskGuid);
        Assert.Equal(8, t.Partitions.Select(p => p.PartitionGuid).Append(t.DiskGuid).Distinct().Count());
        var again = new MemoryBlockDevice(64 * MiB);
        TalosLayout.LayOut(again, new SeededGuidSource(42));
        Assert.Equal(d.Bytes.ToArray(), again.Bytes.ToArray());
    }

    [Fact]
    public void LayOutRefusesADiskThatIsNotBlank()
    {
        var d = new MemoryBlockDevice(64 * MiB);
        TalosLayout.LayOut(d, new SeededGuidSource(1));
        var before = d.Bytes.ToArray();
        var ex = Assert.Throws<DiskNotBlankException>(() => TalosLayout.LayOut(d, new SeededGuidSource(2)));
        Assert.Contains("EPHEMERAL", ex.Message);
        Assert.Equal(before, d.Bytes.ToArray());
        TalosLayout.LayOut(d, new SeededGuidSource(2), force: true);
        Assert.Equal(new SeededGuidSource(2).Next(), GptDisk.Read(d).Table.DiskGuid);
    }

    [Fact]
    public void CheckListsEveryDiscrepancy()
    {
        var d = new MemoryBlockDevice(64 * MiB);
        var t = TalosLayout.LayOut(d, new SeededGuidSource(3));
        var p = t.Partitions.ToList();
        p[1] = p[1] with { Attributes = 0 };                                   // BIOS loses legacy bootable
        p[4] = p[4] with { TypeGuid = PartitionTypes.EfiSystem };              // META wrong type
        p[5] = p[5] with { FirstLba = p[5].FirstLba + 8 };                     // STATE misaligned start
        p.RemoveAt(3);                                                         // BOOT-B missing
        p.Add(new GptPartition(9, PartitionTypes.LinuxFilesystem, Guid.Parse("00000000-0000-4000-8000-000000000009"), 40, 100, 0, "EXTRA"));
        GptDisk.Write(d, t with { Partitions = p });
        var found = TalosLayout.Check(d);
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.WrongAttributes, Label: "BIOS" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.WrongType, Label: "META" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.WrongExtent, Label: "STATE" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.Misaligned, Label: "STATE" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.MissingPartition, Label: "BOOT-B" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.UnexpectedPartition, Label: "EXTRA" });
        Assert.Equal(6, found.Count);
    }

    [Fact]
    public void CheckReportsABlankDiskAndADamagedCopy()
    {
        var blank = Assert.Single(TalosLayout.Check(new MemoryBlockDevice(64 * MiB)));
        Assert.Equal(DiscrepancyKind.NoPartitionTable, blank.Kind);
        var d = new MemoryBlockDevice(64 * MiB);
        TalosLayout.LayOut(d, new SeededGuidSource(5));
        d.Write(512, new byte[512]);
        var damaged = Assert.Single(TalosLayout.Check(d));
        Assert.Equal(DiscrepancyKind.TableNeedsRepair, damaged.Kind);
        Assert.Contains("primary", damaged.Detail);
    }

    [Fact]
    public void OpenPartitionByLabelGivesTheRightWindow()
    {
        var d = new MemoryBlockDevice(64 * MiB);
        var t = TalosLayout.LayOut(d, new SeededGuidSource(6));
        var meta = TalosLayout.OpenPartition(d, "META");
        var entry = t.Find("META")!;
        Assert.Equal(entry.FirstLba * 512, meta.Start);
        Assert.Equal(4 * MiB, meta.Length);
        meta.Write(0, Enumerable.Repeat((byte)0x4D, 512).ToArray());
        Assert.Equal(0x4D, d.Bytes[(int)(entry.FirstLba * 512)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => meta.Write(4 * MiB, new byte[512]));
        var ex = Assert.Throws<PartitionNotFoundException>(() => TalosLayout.OpenPartition(d, "IMAGECACHE"));
        Assert.Contains("EPHEMERAL", ex.Message);
    }
}
