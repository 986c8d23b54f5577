using Talos.Api.Events;
using Talos.Partitions.Audit;
using Talos.Partitions.Layout;
using Talos.Upgrade.Forensics;

namespace Talos.Integration.Tests.Audit;

public sealed class ForensicsComparesSlotsWithTheLog
{
    private static async Task<NodeDisk> Node()
    {
        var node = NodeDisk.InMemory();
        await node.HistoryAsync();
        node.CloseLog();
        return node;
    }

    private static ForensicsReport Run(NodeDisk node, KnownGoodList? kg = null) =>
        DiskForensics.Verify(node.Disk, DiskAudit.Run(node.Disk).FinalState, kg);

    [Fact]
    public async Task An_untouched_disk_matches_the_log_and_reports_the_efi_area_as_not_recorded()
    {
        using var node = await Node();
        var r = Run(node);
        Assert.False(r.HasMismatch, string.Join("\n", r.Findings));
        Assert.Equal(["BOOT-A", "BOOT-B", "EFI"], r.Findings.Select(f => f.Area));
        Assert.Equal((ForensicStatus.Match, node.DigestA, node.DigestA), (r.Findings[0].Status, r.Findings[0].Recorded, r.Findings[0].Measured));
        Assert.Equal((ForensicStatus.Match, node.DigestB), (r.Findings[1].Status, r.Findings[1].Measured));
        Assert.Equal(ForensicStatus.NotRecorded, r.Findings[2].Status);
        Assert.Matches("^[0-9a-f]{64}$", r.Findings[2].Measured);
    }

    [Fact]
    public async Task A_flipped_byte_in_boot_b_is_a_precise_mismatch()
    {
        using var node = await Node();
        var b = TalosLayout.OpenPartition(node.Disk, "BOOT-B");
        var sector = new byte[512];
        b.Read(4096, sector);
        sector[17] ^= 0x01;   // inside the kernel
        b.Write(4096, sector);

        var r = Run(node);

        Assert.True(r.HasMismatch);
        Assert.Equal(ForensicStatus.Match, r.Findings[0].Status);
        var f = r.Findings[1];
        Assert.Equal((ForensicStatus.Mismatch, Slot.B, node.DigestB, ""), (f.Status, f.Slot, f.Recorded, f.Measured));
        Assert.Contains("kernel digest mismatch", f.Detail);
    }

    [Fact]
    public async Task Swapped_slot_images_are_named_as_swapped()
    {
        using var node = await Node();
        var a = TalosLayout.OpenPartition(node.Disk, "BOOT-A");
        var b = TalosLayout.OpenPartition(node.Disk, "BOOT-B");
        var ba = new byte[1 << 20];
        var bb = new byte[1 << 20];
        a.Read(0, ba);
        b.Read(0, bb);
        a.Write(0, bb);
        b.Write(0, ba);

        var r = Run(node);

        Assert.All(r.Findings.Take(2), f => Assert.Equal(ForensicStatus.Mismatch, f.Status));
        Assert.Contains("written for slot B (v1.10.0): slot images were swapped", r.Findings[0].Detail);
        Assert.Equal(node.DigestB, r.Findings[0].Measured);
        Assert.Contains("written for slot A (v1.9.0)", r.Findings[1].Detail);
    }

    [Fact]
    public async Task The_known_good_list_flags_an_image_it_does_not_list_and_a_wrong_version()
    {
        using var node = await Node();
        var onlyA = KnownGoodList.Parse($"# fleet images\nsha256:{node.DigestA.ToUpperInvariant()} v1.9.0\n");
        var r = Run(node, onlyA);
        Assert.Equal(ForensicStatus.Match, r.Findings[0].Status);
        Assert.Equal(ForensicStatus.Mismatch, r.Findings[1].Status);
        Assert.Contains("not in the known-good list", r.Findings[1].Detail);

        var wrong = KnownGoodList.Parse($"{node.DigestA} v1.9.1\n{node.DigestB} v1.10.0");
        var r2 = Run(node, wrong);
        Assert.Contains("the known-good list names this digest v1.9.1, the slot header says v1.9.0", r2.Findings[0].Detail);
        Assert.Equal(ForensicStatus.Match, r2.Findings[1].Status);
    }

    [Theory]
    [InlineData("abc v1", 1, "not a SHA-256 digest")]
    [InlineData("# c\n\n" + "0000000000000000000000000000000000000000000000000000000000000000", 3, "expected '<digest> <version>'")]
    public void A_bad_known_good_line_is_refused_with_its_line_number(string text, int line, string reason)
    {
        var e = Assert.Throws<KnownGoodListFormatException>(() => KnownGoodList.Parse(text, "kg.txt"));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith($"kg.txt, line {line}:", e.Message);
    }
}
