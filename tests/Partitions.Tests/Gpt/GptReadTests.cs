using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Tests.Gpt;

public sealed class GptReadTests
{
    private const int Ss = 512;
    private const long Sectors = (4 << 20) / Ss;

    private static void Scribble(MemoryBlockDevice d, long lba, int at, byte value)
    {
        var s = new byte[Ss];
        d.Read(lba * Ss, s);
        s[at] ^= value;
        d.Write(lba * Ss, s);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void AWrittenTableReadsBackValid(int ss)
    {
        var t = GptTestData.Small(ss);
        var r = GptDisk.Read(GptTestData.Disk(t, ss));
        Assert.Equal(GptCopyState.Valid, r.Primary);
        Assert.Equal(GptCopyState.Valid, r.Backup);
        Assert.False(r.NeedsRepair);
        Assert.Empty(r.Problems);
        Assert.Equal(t.Partitions, r.Table.Partitions);
        Assert.Equal(t with { Partitions = r.Table.Partitions }, r.Table);
    }

    [Fact]
    public void ACorruptPrimaryHeaderFallsBackToTheBackupAndRepairRewritesIt()
    {
        var t = GptTestData.Small();
        var d = GptTestData.Disk(t);
        var good = d.Bytes.ToArray();
        Scribble(d, 1, 40, 0x01); // first usable LBA: CRC no longer matches
        var r = GptDisk.Read(d);
        Assert.Equal(GptCopyState.Corrupt, r.Primary);
        Assert.Equal(GptCopyState.Valid, r.Backup);
        Assert.Contains(r.Problems, p => p.StartsWith("primary: header CRC32 mismatch"));
        Assert.Equal(t.Partitions, r.Table.Partitions);
        var repaired = GptDisk.Repair(d);
        Assert.Equal(GptCopyState.Corrupt, repaired.Primary);
        Assert.Equal(good, d.Bytes.ToArray());
        Assert.False(GptDisk.Read(d).NeedsRepair);
    }

    [Fact]
    public void CorruptPrimaryEntriesUseTheBackupEntries()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        Scribble(d, 2, 60, 0x40); // a name byte of entry 1
        var r = GptDisk.Read(d);
        Assert.Equal(GptCopyState.Corrupt, r.Primary);
        Assert.Contains(r.Problems, p => p.Contains("partition entries CRC32 mismatch"));
        Assert.Equal("BIOS", r.Table.Partitions[0].Name);
    }

    [Fact]
    public void ACorruptBackupIsReportedAndRepaired()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        var good = d.Bytes.ToArray();
        Scribble(d, Sectors - 1, 0, 0xFF); // signature
        var r = GptDisk.Read(d);
        Assert.Equal(GptCopyState.Valid, r.Primary);
        Assert.Equal(GptCopyState.Corrupt, r.Backup);
        Assert.Contains("backup: no \"EFI PART\" signature", r.Problems);
        GptDisk.Repair(d);
        Assert.Equal(good, d.Bytes.ToArray());
    }

    [Fact]
    public void AReadNeverWrites()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        Scribble(d, 1, 40, 0x01);
        var sim = new PowerLossSimulator(d);
        GptDisk.Read(sim);
        Assert.Throws<GptNotFoundException>(() => GptDisk.Read(new PowerLossSimulator(new MemoryBlockDevice(1 << 20))));
        Assert.Equal(0, sim.WriteCount);
        Assert.Equal(0, sim.FlushCount);
    }

    [Fact]
    public void AZeroedDiskHasNoGpt()
    {
        var ex = Assert.Throws<GptNotFoundException>(() => GptDisk.Read(new MemoryBlockDevice(4 << 20)));
        Assert.Contains("no GPT", ex.Message);
    }

    [Fact]
    public void BothCopiesCorruptNamesEachProblem()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        Scribble(d, 1, 16, 0x01);
        Scribble(d, Sectors - 1, 88, 0x01);
        var ex = Assert.Throws<GptCorruptException>(() => GptDisk.Read(d));
        Assert.Contains(ex.PrimaryProblems, p => p.Contains("header CRC32 mismatch"));
        Assert.Contains(ex.BackupProblems, p => p.Contains("header CRC32 mismatch"));
    }

    [Fact]
    public void ATruncatedImageIsNamedAsSuch()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        var truncated = new MemoryBlockDevice(d.Bytes[..(2 << 20)]);
        var ex = Assert.Throws<DiskTooSmallException>(() => GptDisk.Read(truncated));
        Assert.Contains("truncated", ex.Message);
        Assert.Equal(4 << 20, ex.NeededBytes);
        Assert.Throws<DiskTooSmallException>(() => GptDisk.Read(new MemoryBlockDevice(d.Bytes[..(32 * 512)])));
    }

    [Fact]
    public void OverlappingOutOfRangeAndTooManyEntriesAreRefusedOnWriteAndRead()
    {
        var t = GptTestData.Small();
        var overlap = t with { Partitions = [t.Partitions[0], t.Partitions[1] with { FirstLba = t.Partitions[0].LastLba }] };
        var d = new MemoryBlockDevice(4 << 20);
        Assert.Throws<GptPartitionOverlapException>(() => GptDisk.Write(d, overlap));
        Assert.True(d.Bytes.IndexOfAnyExcept((byte)0) < 0, "a refused write changed the disk");
        Assert.Throws<GptPartitionOutOfRangeException>(() => GptDisk.Write(d, t with { Partitions = [t.Partitions[0] with { LastLba = Sectors - 2 }] }));
        Assert.Throws<GptPartitionOutOfRangeException>(() => GptDisk.Write(d, t with { Partitions = [t.Partitions[0] with { FirstLba = 10 }] }));
        Assert.Throws<GptTooManyPartitionsException>(() => GptDisk.Write(d, t with { Partitions = [t.Partitions[0] with { Number = 129 }] }));
        Assert.Throws<GptTooManyPartitionsException>(() => GptDisk.Write(d, t with { EntryCount = 2000 }));

        // An on-disk table with valid CRCs but overlapping entries (written by a buggy tool) is rejected by the reader.
        var raw = new MemoryBlockDevice(4 << 20);
        GptDisk.Write(raw, t);
        var entry = new byte[Ss];
        raw.Read(2 * Ss, entry);
        BitConverter.TryWriteBytes(entry.AsSpan(128 + 32), t.Partitions[0].LastLba); // entry 2 starts inside entry 1
        RewriteEntries(raw, entry);
        var ex = Assert.Throws<GptPartitionOverlapException>(() => GptDisk.Read(raw));
        Assert.Equal(1, ex.First.Number);
    }

    [Fact]
    public void APartitionCountBeyondTheArrayIsACorruptCopy()
    {
        var d = GptTestData.Disk(GptTestData.Small());
        foreach (var lba in new[] { 1L, Sectors - 1 })
        {
            var h = new byte[Ss];
            d.Read(lba * Ss, h);
            BitConverter.TryWriteBytes(h.AsSpan(80), 512u); // 512 entries = 128 sectors, more than the 32 reserved
            h.AsSpan(16, 4).Clear();
            BitConverter.TryWriteBytes(h.AsSpan(16), System.IO.Hashing.Crc32.HashToUInt32(h.AsSpan(0, 92)));
            d.Write(lba * Ss, h);
        }
        var ex = Assert.Throws<GptCorruptException>(() => GptDisk.Read(d));
        Assert.Contains(ex.PrimaryProblems, p => p.Contains("partition entry count 512") && p.Contains("beyond"));
    }

    [Fact]
    public void GrowingAnImageMovesTheBackupToTheNewEnd()
    {
        var t = GptTestData.Small();
        var small = GptTestData.Disk(t);
        var grown = new MemoryBlockDevice(8 << 20);
        grown.Write(0, small.Bytes);
        var r = GptDisk.Read(grown);
        Assert.Equal(GptCopyState.Misplaced, r.Backup);
        Assert.Contains(r.Problems, p => p.Contains("the disk grew"));
        GptDisk.Repair(grown);
        var after = GptDisk.Read(grown);
        Assert.False(after.NeedsRepair);
        Assert.Equal((8 << 20) / Ss - 34, after.Table.LastUsableLba);
        Assert.Equal(t.Partitions, after.Table.Partitions);
    }

    [Fact]
    public void GrowingARealImageFileAndRepairingPassesSgdisk()
    {
        var dir = Directory.CreateTempSubdirectory("talos-grow-").FullName;
        try
        {
            var path = Path.Combine(dir, "disk.img");
            using (var f = FileBlockDevice.Create(path, 4 << 20))
            {
                GptDisk.Write(f, GptTestData.Small());
                f.Resize(16 << 20);
                Assert.Equal(GptCopyState.Misplaced, GptDisk.Repair(f).Backup);
            }
            var v = Tools.Run("sgdisk", "-v", path);
            Assert.Contains("No problems found", v);
            Assert.Contains("last usable sector is 32734", Tools.Run("sgdisk", "-p", path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void RewriteEntries(MemoryBlockDevice d, byte[] firstEntrySector)
    {
        // Re-seal both copies so only the semantic check can catch the problem.
        var entries = new byte[32 * Ss];
        d.Read(2 * Ss, entries);
        firstEntrySector.CopyTo(entries, 0);
        var crc = System.IO.Hashing.Crc32.HashToUInt32(entries);
        foreach (var (hdr, ent) in new[] { (1L, 2L), (Sectors - 1, Sectors - 33) })
        {
            d.Write(ent * Ss, entries);
            var h = new byte[Ss];
            d.Read(hdr * Ss, h);
            BitConverter.TryWriteBytes(h.AsSpan(88), crc);
            h.AsSpan(16, 4).Clear();
            BitConverter.TryWriteBytes(h.AsSpan(16), System.IO.Hashing.Crc32.HashToUInt32(h.AsSpan(0, 92)));
            d.Write(hdr * Ss, h);
        }
    }
}
