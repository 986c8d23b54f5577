using System.Text.Json;
using System.Text.RegularExpressions;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;
using Talos.Partitions.Tests.Gpt;

namespace Talos.Partitions.Tests.Layout;

/// <summary>Both directions with the real tools: our disks pass sgdisk/sfdisk, and sgdisk's disks read the same in our reader.</summary>
public sealed class LayoutInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-interop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LaidOut(long mib, int ss = 512)
    {
        var path = Path.Combine(_dir, $"talos-{mib}-{ss}.img");
        using var d = FileBlockDevice.Create(path, mib << 20, ss);
        TalosLayout.LayOut(d, new SeededGuidSource(7));
        return path;
    }

    private static GptTable ReadFile(string path, int ss = 512)
    {
        using var d = FileBlockDevice.Open(path, ss);
        return GptDisk.Read(d).Table;
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public void SgdiskVerifyFindsNoProblems(long mib)
    {
        var output = Tools.Run("sgdisk", "-v", LaidOut(mib));
        Assert.Contains("No problems found", output);
        Assert.DoesNotContain("Warning", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SfdiskJsonListsExactlyOurLabelsTypesStartsAndSizes()
    {
        var path = LaidOut(128);
        var ours = ReadFile(path);
        using var json = JsonDocument.Parse(Tools.Run("sfdisk", "--json", path));
        var table = json.RootElement.GetProperty("partitiontable");
        Assert.Equal("gpt", table.GetProperty("label").GetString());
        Assert.Equal(ours.DiskGuid, Guid.Parse(table.GetProperty("id").GetString()!));
        var theirs = table.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(ours.Partitions.Count, theirs.Count);
        foreach (var (p, j) in ours.Partitions.Zip(theirs))
        {
            Assert.Equal(p.Name, j.GetProperty("name").GetString());
            Assert.Equal(p.TypeGuid, Guid.Parse(j.GetProperty("type").GetString()!));
            Assert.Equal(p.PartitionGuid, Guid.Parse(j.GetProperty("uuid").GetString()!));
            Assert.Equal(p.FirstLba, j.GetProperty("start").GetInt64());
            Assert.Equal(p.SectorCount, j.GetProperty("size").GetInt64());
            Assert.Equal(p.Name == "BIOS" ? "LegacyBIOSBootable" : null, j.TryGetProperty("attrs", out var a) ? a.GetString() : null);
        }
    }

    [Fact]
    public void SgdiskPrintListsExactlyOurNumbersStartsEndsAndNames()
    {
        var path = LaidOut(128);
        var ours = ReadFile(path);
        var rows = Regex.Matches(Tools.Run("sgdisk", "-p", path), @"^\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+ \S+\s+([0-9A-F]{4})\s+(\S+)\s*$", RegexOptions.Multiline)
            .Select(m => (Number: int.Parse(m.Groups[1].Value), Start: long.Parse(m.Groups[2].Value), End: long.Parse(m.Groups[3].Value), Code: m.Groups[4].Value, Name: m.Groups[5].Value))
            .ToList();
        Assert.Equal(ours.Partitions.Select(p => (p.Number, p.FirstLba, p.LastLba, p.Name)), rows.Select(r => (r.Number, r.Start, r.End, r.Name)));
        Assert.Equal(["EF00", "EF02", "8300", "8300", "8300", "8300", "8300"], rows.Select(r => r.Code));
    }

    [Fact]
    public void A4KSectorDiskReadsCleanInFdisk()
    {
        var path = LaidOut(128, 4096);
        var ours = ReadFile(path, 4096);
        // sgdisk 1.0.9 takes the sector size of an image file as 512; fdisk can be told (-b 4096).
        var output = Tools.Run("fdisk", "-b", "4096", "-l", "-o", "Start,End,Type-UUID,Name", path);
        Assert.DoesNotContain("corrupt", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mismatch", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Disklabel type: gpt", output);
        var rows = Regex.Matches(output, @"^\s*(\d+)\s+(\d+)\s+([0-9A-F-]{36})\s+(\S+)\s*$", RegexOptions.Multiline)
            .Select(m => (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), Guid.Parse(m.Groups[3].Value), m.Groups[4].Value)).ToList();
        Assert.Equal(ours.Partitions.Select(p => (p.FirstLba, p.LastLba, p.TypeGuid, p.Name)), rows);
    }

    [Fact]
    public void ADiskPartitionedBySgdiskReadsWithTheSameValues()
    {
        var path = Path.Combine(_dir, "theirs.img");
        File.WriteAllBytes(path, []);
        using (var f = File.OpenWrite(path)) f.SetLength(64 << 20);
        Tools.Run("sgdisk", "-o",
            "-n", "1:2048:+2M", "-t", "1:EF00", "-c", "1:EFI",
            "-n", "2:0:+1M", "-t", "2:EF02", "-c", "2:BIOS", "-A", "2:set:2",
            "-n", "3:0:+10M", "-t", "3:8300", "-c", "3:BOOT-A",
            "-n", "5:0:0", "-t", "5:8300", "-c", "5:EPHEMERAL", path);
        using var json = JsonDocument.Parse(Tools.Run("sfdisk", "--json", path));
        var theirs = json.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray().ToList();
        var ours = ReadFile(path);
        Assert.Equal([1, 2, 3, 5], ours.Partitions.Select(p => p.Number));
        Assert.Equal(Guid.Parse(json.RootElement.GetProperty("partitiontable").GetProperty("id").GetString()!), ours.DiskGuid);
        foreach (var (p, j) in ours.Partitions.Zip(theirs))
        {
            Assert.Equal(j.GetProperty("name").GetString(), p.Name);
            Assert.Equal(Guid.Parse(j.GetProperty("type").GetString()!), p.TypeGuid);
            Assert.Equal(Guid.Parse(j.GetProperty("uuid").GetString()!), p.PartitionGuid);
            Assert.Equal(j.GetProperty("start").GetInt64(), p.FirstLba);
            Assert.Equal(j.GetProperty("size").GetInt64(), p.SectorCount);
        }
        Assert.Equal(GptPartition.LegacyBiosBootable, ours.Partitions[1].Attributes);
        using var d = FileBlockDevice.Open(path);
        var found = TalosLayout.Check(d);
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.MissingPartition, Label: "META" });
        Assert.Contains(found, x => x is { Kind: DiscrepancyKind.WrongNumber, Label: "EPHEMERAL" });
    }
}
